package main

import (
	"io"
	"log/slog"
	"sync"
	"time"
)

const (
	// logFlushInterval is how long a log line waits, at most, before logWriter writes it.
	logFlushInterval = 10 * time.Millisecond
	// maxQueuedLogBytes bounds the log bytes waiting to be written: past it, logging waits for
	// the output, so that a stalled stdout slows requests down instead of growing memory.
	maxQueuedLogBytes = 1 << 20
)

// newLogger returns the JSON logger every line of the API goes through. Each line carries the
// version, so logs from a rolling deployment tell the two task definitions apart.
func newLogger(w io.Writer, cfg config) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.logLevel})).With(slog.String("version", cfg.version))
}

// logWriter batches log lines: a Write only queues its line, and every interval (or when the queue
// is full) the queued lines go out in one write(2), outside the lock the Writes take. Written
// directly, each request's line costs a write(2) under slog's lock. Close writes what is left, so
// a graceful stop loses nothing; a crash loses at most the last interval's lines. (bufio.Writer
// would hold the lock across the write(2), and flush only when full.)
type logWriter struct {
	out     io.Writer
	mu      sync.Mutex // guards queued
	queued  []byte
	writing sync.Mutex // serialises the writes to out; guards spare, the buffer queued swaps with
	spare   []byte
	stop    chan struct{}
	done    chan struct{} // closed once Close has written the last batch
}

func newLogWriter(out io.Writer, interval time.Duration) *logWriter {
	w := &logWriter{out: out, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				w.flush()
			case <-w.stop:
				w.flush()
				return
			}
		}
	}()
	return w
}

// Write queues p, a whole log line, and never fails. After Close it writes p at once.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.queued = append(w.queued, p...)
	full := len(w.queued) >= maxQueuedLogBytes
	w.mu.Unlock()
	select {
	case <-w.done:
		full = true // nothing flushes any more
	default:
	}
	if full {
		w.flush()
	}
	return len(p), nil
}

// flush writes the queued lines.
func (w *logWriter) flush() {
	w.writing.Lock()
	defer w.writing.Unlock()
	w.mu.Lock()
	batch := w.queued
	w.queued = w.spare[:0]
	w.mu.Unlock()
	if len(batch) > 0 {
		_, _ = w.out.Write(batch) // nowhere to report a failure to write the log
	}
	w.spare = batch
}

// Close writes every queued line and stops the periodic flush.
func (w *logWriter) Close() error {
	close(w.stop)
	<-w.done
	return nil
}
