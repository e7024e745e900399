package realtime

import "time"

// SetMinGap makes the hub's broadcaster wait at least d between two
// flushes (as it does when a large audience makes each flush dear), so
// that tests can act between flushes.
func SetMinGap(o *Options, d time.Duration) { o.minGap = d }
