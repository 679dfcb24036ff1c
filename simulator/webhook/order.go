package webhook

import "time"

// schedule hands a tracked record to delivery: to the session's runner,
// behind the session's earlier deliveries (the default), or to a
// goroutine of its own (Options.Unordered). wait comes before its first
// attempt. The caller holds no box lock.
func (d *Dispatcher) schedule(b *box, r *record, wait time.Duration) {
	if d.opts.Unordered {
		d.chain(b, r, wait, 1)
		return
	}
	b.mu.Lock()
	r.delay, r.queued = wait, true
	b.queue = append(b.queue, r)
	start := !b.busy
	b.busy = true
	b.mu.Unlock()
	if start {
		d.wg.Add(1)
		go d.run(b)
	}
}

// run delivers the session's queue one delivery at a time, each with its
// retries, until the queue is empty or the sandbox stops (what is left is
// then reported by Drain).
func (d *Dispatcher) run(b *box) {
	defer d.wg.Done()
	for {
		b.mu.Lock()
		if len(b.queue) == 0 || d.stop.Err() != nil {
			b.busy = false
			b.mu.Unlock()
			return
		}
		r := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		wait := r.delay
		r.delay, r.queued = 0, false
		b.mu.Unlock()
		d.deliver(b, r, wait, 1)
	}
}
