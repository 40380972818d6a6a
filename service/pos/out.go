package pos

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// outbox is a client's write side. At most one goroutine writes to the link
// at a time: the one that set writing. It takes the queued frames in order,
// so frames leave in the order Send queued them whoever writes them.
//
// Who writes (nats-server's flushClients/writeLoop taught the shape): a
// Send made while the reader is inside Handler.Frame only queues, and the
// reader writes the queue itself when Frame returns — a query's answer costs
// no goroutine wake-up. Any other Send, and stop, starts a short-lived
// writer goroutine when nobody is writing; it exits when the queue is empty.
// An idle client therefore has no writer goroutine and no buffers.
type outbox struct {
	mu      sync.Mutex
	queue   []*[]byte // encoded frames not yet taken by the writer, oldest first
	spare   []*[]byte // the previous batch's backing array, reused
	writing bool      // a goroutine owns the link's write side
	inFrame bool      // the reader is inside Handler.Frame and writes after it
	closing bool      // stop was called: Sends are refused
	failed  bool      // a write failed: what is queued is dropped
	ended   bool      // the link was finished (or given up after a failed write)

	closeCode  int           // WebSocket close code sent last; 0 for none
	closeText  string        // its reason
	closeAfter time.Duration // if set, the link is closed this long after the last write

	writers sync.WaitGroup // writer goroutines started
	drained chan struct{}  // closed once closing and the last write is done

	// Counted for the tests: writer goroutines started, and direct writes
	// the socket took only in part (the rest went to a writer).
	spawned, shortDirect int
}

// enqueue adds a frame unless the client is closing or its queue is full.
// It starts a writer goroutine when nobody writes and the reader will not.
func (c *Client) enqueue(b *[]byte) error {
	o := &c.out
	o.mu.Lock()
	switch {
	case o.closing:
		o.mu.Unlock()
		putBuffer(b)
		return ErrClientClosed
	case len(o.queue) >= c.srv.cfg.QueueLen:
		o.mu.Unlock()
		putBuffer(b)
		return ErrSlowClient
	}
	start := !o.writing && !o.inFrame
	if start && len(o.queue) == 0 && !o.failed && c.direct != nil {
		o.writing = true
		o.mu.Unlock()
		c.writeDirect(b)
		return nil
	}
	o.queue = append(o.queue, b)
	if start {
		o.writing = true
		c.spawnWriter()
	}
	o.mu.Unlock()
	return nil
}

// writeDirect is enqueue's way when nothing is queued and nobody writes:
// the caller (the engine answering a payment) tries the write itself
// without waiting, which costs no goroutine and no wake-up. What the
// socket does not take at once (a full send buffer, an error) goes back
// to the head of the queue for a writer goroutine, which waits with the
// deadline, drops a slow client and finishes a closing link as usual.
// The caller owns the write side (writing) on entry.
func (c *Client) writeDirect(b *[]byte) {
	o := &c.out
	n, _ := c.direct.tryWrite(*b)
	if n == len(*b) {
		putBuffer(b)
		o.mu.Lock()
		if len(o.queue) == 0 && !o.closing {
			o.writing = false
			o.mu.Unlock()
			return
		}
	} else {
		*b = (*b)[:copy(*b, (*b)[max(n, 0):])]
		o.mu.Lock()
		o.shortDirect++
		o.queue = append(o.queue, nil)
		copy(o.queue[1:], o.queue)
		o.queue[0] = b
	}
	// Frames queued meanwhile, the rest of this one or a close: a writer
	// takes over the write side as it stands.
	c.spawnWriter()
	o.mu.Unlock()
}

// close marks the outbox closing; false if it already was.
func (o *outbox) close(code int, text string, closeAfter time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing {
		return false
	}
	o.closing = true
	o.closeCode, o.closeText, o.closeAfter = code, text, closeAfter
	return true
}

// startWriter starts a writer goroutine unless one writes already: after
// close it flushes what is queued and finishes the link. The reader's own
// drain is not waited for here, so shutdown never depends on a Frame call
// returning.
func (c *Client) startWriter() {
	o := &c.out
	o.mu.Lock()
	if !o.writing {
		o.writing = true
		c.spawnWriter()
	}
	o.mu.Unlock()
}

// spawnWriter starts a writer goroutine, which owns the write side the
// caller took (writing). Called with out.mu held: the writer waits for it.
func (c *Client) spawnWriter() {
	c.out.writers.Add(1)
	c.out.spawned++
	go c.writer()
}

func (c *Client) writer() {
	defer c.out.writers.Done()
	c.drain()
}

// enterFrame is called by the reader before Handler.Frame.
func (o *outbox) enterFrame() {
	o.mu.Lock()
	o.inFrame = true
	o.mu.Unlock()
}

// leaveFrame is called by the reader after Handler.Frame; true means the
// reader now owns the write side and must drain.
func (o *outbox) leaveFrame() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inFrame = false
	if o.writing || len(o.queue) == 0 {
		return false
	}
	o.writing = true
	return true
}

// drain is run by the goroutine that owns the write side: it writes batches
// until the queue is empty, then gives the write side up. The last drain of
// a closing client finishes the link.
func (c *Client) drain() {
	o := &c.out
	for {
		o.mu.Lock()
		batch := o.queue
		if len(batch) == 0 {
			o.writing = false
			finish := o.closing && !o.ended
			o.ended = o.ended || finish
			failed := o.failed
			o.mu.Unlock()
			if finish {
				c.finishLink(failed)
			}
			return
		}
		o.queue, o.spare = o.spare[:0], nil
		failed := o.failed
		o.mu.Unlock()
		failed = c.writeBatch(batch, failed)
		o.mu.Lock()
		o.failed = o.failed || failed
		o.spare = batch[:0]
		o.mu.Unlock()
	}
}

// writeBatch writes the frames in order and returns their buffers; after a
// failed write the rest are dropped. It reports whether a write failed.
func (c *Client) writeBatch(batch []*[]byte, failed bool) bool {
	for i, b := range batch {
		if !failed {
			if err := c.link.write(*b); err != nil {
				c.writeFailed(err)
				failed = true
			}
		}
		putBuffer(b)
		batch[i] = nil
	}
	return failed
}

// writeFailed disconnects a client whose link refused a write.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) writeFailed(err error) {
	c.log.Debug("write failed, disconnecting", c.field(), zap.Error(err))
	c.kill()
}

// finishLink ends a closing client's link after its last write: TCP
// half-closes, WebSocket sends its close message. Called once, by the
// goroutine that found the queue empty with writing taken.
func (c *Client) finishLink(failed bool) {
	o := &c.out
	if !failed {
		c.link.finish(o.closeCode, o.closeText)
		if o.closeAfter > 0 {
			time.AfterFunc(o.closeAfter, c.link.close)
		}
	}
	close(o.drained)
}

// waitWritten waits until a stopped client's last frame is written (each
// write is bounded by writeWait) and its writer goroutines have returned.
func (c *Client) waitWritten() {
	<-c.out.drained
	c.out.writers.Wait()
}

// bufferPool holds encoded frames between Send and their write, so an
// answer costs no allocation and an idle client holds no buffer.
var bufferPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

// putBuffer returns b to the pool, unless it grew to the largest frames
// (print jobs), which are rare and would pin that much per pooled buffer.
func putBuffer(b *[]byte) {
	if cap(*b) > 4*1024 {
		return
	}
	*b = (*b)[:0]
	bufferPool.Put(b)
}
