# seed.py DB SIDE N: writes N placements by 100 players over a SIDE × SIDE canvas
# straight into a migrated embedded database (bench/expensive/run.sh).
import sqlite3, sys, time
db, side, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
start = int((time.time() - 3 * 3600) * 1000)
c.executemany("INSERT INTO users (id, username, username_lower, is_guest, created_at) VALUES (?,?,?,0,?)",
              [(f"u{i}", f"player{i}", f"player{i}", start) for i in range(100)])
c.executemany("INSERT INTO placements (seq, x, y, color, user_id, placed_at) VALUES (?,?,?,?,?,?)",
              [(i, (i * 7919) % side, ((i * 104729) // side) % side, i % 16, f"u{i % 100}", start + i * 1000) for i in range(1, n + 1)])
c.commit()
