package realtime

import "testing"

// BenchmarkLagCheck is the once-a-second cost of judging one connection:
// "sending", one that was sent data since the last check (a TIOCOUTQ ioctl
// and the writer's lock); "idle", one that was not (the lock only).
func BenchmarkLagCheck(b *testing.B) {
	for _, sending := range []bool{true, false} {
		name := "idle"
		if sending {
			name = "sending"
		}
		b.Run(name, func(b *testing.B) {
			server, _ := tcpPair(b)
			var w connWriter
			w.init(server)
			b.ReportAllocs()
			for i := range b.N {
				if sending {
					w.mu.Lock()
					w.written++ // as if a frame had been written since
					w.mu.Unlock()
				}
				w.lagging(uint64(i))
			}
		})
	}
}
