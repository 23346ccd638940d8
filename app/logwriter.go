package main

import (
	"io"
	"sync"
	"time"
)

const (
	// logBatchDelay is how long the writer goroutine lets lines gather after the first one before
	// it writes them all at once.
	logBatchDelay = 5 * time.Millisecond
	// maxPendingLogBytes bounds the log bytes waiting to be written: past it, logging blocks
	// until the output catches up, so a stalled stdout slows requests down instead of growing
	// memory.
	maxPendingLogBytes = 1 << 20
)

// logWriter writes log lines to out from a single goroutine, in batches. Every request logs a
// line; written directly, each line costs a write(2), made while slog's handler holds its lock,
// so that under load the request goroutines queue on that lock behind the system calls. Here a
// line is only copied into a buffer; the writer goroutine writes what has gathered within
// logBatchDelay of the first pending line in one write(2). Close writes what is left, so a
// graceful stop loses nothing; a crash loses at most the last few milliseconds of lines.
type logWriter struct {
	out  io.Writer
	wake chan struct{} // capacity 1: "there is something to write"
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	drained  *sync.Cond // signalled when the writer goroutine takes the pending bytes
	pending  []byte
	closed   bool
	stopOnce sync.Once
}

func newLogWriter(out io.Writer) *logWriter {
	w := &logWriter{
		out:     out,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		pending: make([]byte, 0, 64<<10),
	}
	w.drained = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// Write queues p, a whole log line, and never fails. After Close it writes p through at once.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPendingLogBytes && !w.closed {
		w.drained.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return w.out.Write(p)
	}
	w.pending = append(w.pending, p...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // the writer goroutine is already due to run
	}
	return len(p), nil
}

func (w *logWriter) loop() {
	defer close(w.done)
	batch := make([]byte, 0, 64<<10)
	delay := time.NewTimer(logBatchDelay)
	delay.Stop()
	for {
		select {
		case <-w.wake:
		case <-w.stop:
			w.flush(batch)
			return
		}
		delay.Reset(logBatchDelay)
		select {
		case <-delay.C:
		case <-w.stop:
			w.flush(batch)
			return
		}
		batch = w.flush(batch)
	}
}

// flush writes the pending bytes, handing the emptied batch buffer back for the next swap.
func (w *logWriter) flush(batch []byte) []byte {
	w.mu.Lock()
	batch, w.pending = w.pending, batch[:0]
	w.drained.Broadcast()
	w.mu.Unlock()
	if len(batch) > 0 {
		_, _ = w.out.Write(batch) // nowhere to report a failure to write the log
	}
	return batch
}

// Close writes every pending line and stops the writer goroutine; later writes go straight to out.
func (w *logWriter) Close() error {
	w.stopOnce.Do(func() {
		close(w.stop)
		<-w.done
		w.mu.Lock()
		w.closed = true
		pending := w.pending
		w.pending = nil
		w.drained.Broadcast()
		w.mu.Unlock()
		if len(pending) > 0 {
			_, _ = w.out.Write(pending)
		}
	})
	return nil
}
