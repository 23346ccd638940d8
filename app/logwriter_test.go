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
	w := newLogWriter(&out)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				line := fmt.Sprintf("{\"writer\":%d,\"line\":%d,\"pad\":%q}\n", g, i, strings.Repeat("x", i%97))
				if n, err := w.Write([]byte(line)); n != len(line) || err != nil {
					t.Errorf("Write = %d, %v, want %d, nil", n, err, len(line))
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	next := make([]int, writers) // the line each writer is due to show next
	got := out.lines(t)
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

func TestLogWriterWritesWithoutClose(t *testing.T) {
	var out logBuffer
	w := newLogWriter(&out)
	t.Cleanup(func() { _ = w.Close() })
	if _, err := w.Write([]byte("{\"msg\":\"alone\"}\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "{\"msg\":\"alone\"}\n" {
		if time.Now().After(deadline) {
			t.Fatalf("a single line was not written within 5s (batch delay %s); got %q", logBatchDelay, out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLogWriterAfterClose(t *testing.T) {
	var out bytes.Buffer
	w := newLogWriter(&out)
	_, _ = w.Write([]byte("a\n"))
	_ = w.Close()
	_ = w.Close() // idempotent
	if _, err := w.Write([]byte("b\n")); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "a\nb\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
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

func TestLogWriterBoundsPendingBytes(t *testing.T) {
	out := &blockingWriter{release: make(chan struct{})}
	w := newLogWriter(out)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	const total = 3 * maxPendingLogBytes / 1024 // lines: three times the bound
	var written atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range total {
			_, _ = w.Write(line)
			written.Add(1)
		}
	}()

	// Wait until the output is stuck and the buffer is full.
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		pending := len(w.pending)
		w.mu.Unlock()
		if out.blocked.Load() && pending >= maxPendingLogBytes {
			if pending > maxPendingLogBytes+len(line) {
				t.Errorf("pending = %d bytes, want at most %d", pending, maxPendingLogBytes+len(line))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("buffer not full after 10s: pending %d, output blocked %v", pending, out.blocked.Load())
		}
		time.Sleep(time.Millisecond)
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
