# burst.py PID URL PATH...: measures a burst of expensive requests against a running place server:
# peak resident memory of the server process (sampled every 20 ms from
# /proc/PID/status), time, statuses.
import sys, threading, time, urllib.request, urllib.error

pid, base, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]

def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0

peak = [rss()]
before = peak[0]
stop = False
def sample():
    while not stop:
        peak[0] = max(peak[0], rss())
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()

results = [None] * len(paths)
gate = threading.Event()
def fetch(i, path):
    req = urllib.request.Request(base + path, headers={"X-Forwarded-For": f"10.99.{i // 200}.{i % 200 + 1}"})
    gate.wait()
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read()
            results[i] = (r.status, len(body), time.time() - t0, "")
    except urllib.error.HTTPError as e:
        results[i] = (e.code, 0, time.time() - t0, e.headers.get("Retry-After") or "")
    except Exception as e:
        results[i] = (type(e).__name__, 0, time.time() - t0, "")
threads = [threading.Thread(target=fetch, args=(i, p)) for i, p in enumerate(paths)]
for t in threads: t.start()
t0 = time.time()
gate.set()
for t in threads: t.join()
took = time.time() - t0
time.sleep(0.2)
stop = True
statuses = {}
for st, n, d, ra in results:
    k = f"{st}" + (f" (Retry-After {ra})" if ra else "")
    statuses[k] = statuses.get(k, 0) + 1
print(f"{len(paths)} requests in {took:.2f}s; RSS {before} -> peak {peak[0]} MiB (+{peak[0]-before}); answers {statuses}; slowest {max(r[2] for r in results):.2f}s")
