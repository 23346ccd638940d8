package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLogWriterKeepsEveryLineWholeAndInOrder(t *testing.T) {
	var out logBuffer
	w := newLogWriter(&out, time.Millisecond)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				line := fmt.Sprintf("{\"msg\":\"line\",\"writer\":%d,\"line\":%d,\"pad\":%q}\n", g, i, strings.Repeat("x", i%97))
				if n, err := w.Write([]byte(line)); n != len(line) || err != nil {
					t.Errorf("Write = %d, %v, want %d, nil", n, err, len(line))
				}
			}
		})
	}
	wg.Wait()
	_ = w.Close()

	next := make([]int, writers) // the line each writer is due to show next
	got := out.find(t, "line")
	for _, l := range got {
		g, i := int(l["writer"].(float64)), int(l["line"].(float64))
		if i != next[g] {
			t.Fatalf("writer %d: line %d after line %d, want %d", g, i, next[g]-1, next[g])
		}
		next[g]++
	}
	if len(got) != writers*lines {
		t.Errorf("lines written = %d, want %d", len(got), writers*lines)
	}
}

func TestLogWriterFlushesWithoutClose(t *testing.T) {
	var out logBuffer
	w := newLogWriter(&out, time.Millisecond)
	t.Cleanup(func() { _ = w.Close() })
	_, _ = w.Write([]byte("{\"msg\":\"alone\"}\n"))
	for deadline := time.Now().Add(5 * time.Second); out.String() != "{\"msg\":\"alone\"}\n"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a single line was not written within 5s (flush interval 1ms); got %q", out.String())
		}
	}
}

func TestLogWriterAfterClose(t *testing.T) {
	var out bytes.Buffer
	w := newLogWriter(&out, time.Hour)
	_, _ = w.Write([]byte("a\n"))
	_ = w.Close()
	if got, want := out.String(), "a\n"; got != want {
		t.Errorf("output after Close = %q, want %q", got, want)
	}
	_, _ = w.Write([]byte("b\n"))
	if got, want := out.String(), "a\nb\n"; got != want {
		t.Errorf("output after a Write after Close = %q, want %q", got, want)
	}
}

// blockingWriter holds every Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	blocked atomic.Bool
	n       atomic.Int64
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.blocked.Store(true)
	<-b.release
	b.n.Add(int64(len(p)))
	return len(p), nil
}

func TestLogWriterBoundsQueuedBytes(t *testing.T) {
	out := &blockingWriter{release: make(chan struct{})}
	w := newLogWriter(out, time.Millisecond)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	const total = 3 * maxQueuedLogBytes / 1024 // lines: three times the bound
	var written atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range total {
			_, _ = w.Write(line)
			written.Add(1)
		}
	}()

	// Wait until the output is stuck and the queue full.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		queued := len(w.queued)
		w.mu.Unlock()
		if out.blocked.Load() && queued >= maxQueuedLogBytes {
			if queued > maxQueuedLogBytes+len(line) {
				t.Errorf("queued = %d bytes, want at most %d", queued, maxQueuedLogBytes+len(line))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not full after 10s: %d bytes, output blocked %v", queued, out.blocked.Load())
		}
	}
	if n := written.Load(); n >= total {
		t.Errorf("all %d lines accepted while the output was stuck, want the writer to block", n)
	}

	close(out.release)
	<-done
	_ = w.Close()
	if got, want := out.n.Load(), int64(total*len(line)); got != want {
		t.Errorf("bytes written = %d, want %d", got, want)
	}
}
