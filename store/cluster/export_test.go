package cluster

// DirectPlace makes the store send each placement on its own pooled
// connection instead of through the pipelining batcher, to compare the two.
func DirectPlace(o *Options) { o.directPlace = true }

// SetWriterHook makes the history writer call f before it begins a batch's
// transaction ("begin") and just before it commits one ("commit").
func SetWriterHook(s *Store, f func(stage string)) { s.hook.Store(&f) }
