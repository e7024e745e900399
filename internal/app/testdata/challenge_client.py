"""A third-party client written from docs/protocol.md alone: it starts
playing as guests, places over the WebSocket, and answers the proof-of-work
challenge when the server asks for one.

usage: challenge_client.py BASE_URL PLAYERS PLACEMENTS
prints one JSON line: {"placed": [...per player...], "solved": N, "errors": {...}}
"""
import asyncio
import hashlib
import json
import sys
import time
import urllib.request

import websockets


def start_playing(base):
    req = urllib.request.Request(base + "/api/v1/session", data=b"{}", method="POST",
                                 headers={"Origin": base, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        cookies = [h.split(";", 1)[0] for h in resp.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies)


def solve(challenge):
    token, bits = challenge["token"], challenge["bits"]
    nonce = 0
    while True:
        proof = "%s:%d" % (token, nonce)
        digest = int.from_bytes(hashlib.sha256(proof.encode()).digest(), "big")
        if digest >> (256 - bits) == 0:
            return proof
        nonce += 1


async def connect(uri, headers):
    try:
        return await websockets.connect(uri, additional_headers=headers, max_size=None)
    except TypeError:  # websockets before 14
        return await websockets.connect(uri, extra_headers=headers, max_size=None)


async def play(base, index, placements, stats):
    cookie = start_playing(base)
    ws = await connect(base.replace("http", "ws", 1) + "/ws", {"Origin": base, "Cookie": cookie})
    challenge = None
    while True:  # the welcome may carry a challenge
        m = json.loads(await ws.recv())
        if m["type"] == "welcome":
            challenge = m.get("challenge")
            break
    placed, n = 0, 0
    deadline = time.time() + 60
    while placed < placements and time.time() < deadline:
        n += 1
        rid = "p%d-%d" % (index, n)
        msg = {"type": "place", "x": index, "y": placed, "color": 1 + placed % 15, "requestId": rid}
        if challenge:
            msg["proof"] = solve(challenge)
            stats["solved"] += 1
        await ws.send(json.dumps(msg))
        while True:
            raw = await ws.recv()
            if isinstance(raw, bytes):
                continue
            m = json.loads(raw)
            if m.get("requestId") == rid and m["type"] in ("success", "error"):
                break
        challenge = m.get("challenge")
        if m["type"] == "success":
            placed += 1
            await asyncio.sleep(max(0, m["nextPlacement"] - m["serverTime"]) / 1000)
        else:
            stats["errors"][m["code"]] = stats["errors"].get(m["code"], 0) + 1
            if m["code"] in ("RATE_LIMITED", "ADDRESS_BUDGET"):
                await asyncio.sleep(m.get("remainingSeconds", 1) or 0.2)
            elif m["code"] != "CHALLENGE_REQUIRED":
                break
    await ws.close()
    stats["placed"][index] = placed


async def main():
    base, players, placements = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    stats = {"placed": [0] * players, "solved": 0, "errors": {}}
    await asyncio.gather(*(play(base, i, placements, stats) for i in range(players)))
    print(json.dumps(stats))


asyncio.run(main())
