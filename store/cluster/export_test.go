package cluster

// DirectPlace makes the store send each placement on its own pooled
// connection instead of through the pipelining batcher, to compare the two.
func DirectPlace(o *Options) { o.directPlace = true }
