"""The floor of the bar-to-order latency, for docs/benchmarks.md: a minimal Python client of the
stub exchange that does nothing but read the combined kline stream and, when the last symbol's
closing kline of a bar arrives, sign and send one market order (HMAC-SHA256, the documentation's
test key) over a kept-alive HTTP connection. It makes no decision and stores nothing: the stub's
bar-to-order figures for it are what the transport alone costs on this machine.

Usage: python3 scripts/reference/live_latency_client.py PORT SYMBOL[,SYMBOL...] BARS
Needs the `websockets` package (pip install websockets); never a run-time dependency.
"""
import asyncio
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.parse

import websockets

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = b"NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


async def main(port: int, symbols: list[str], bars: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    streams = "/".join(f"{symbol.lower()}@kline_1m" for symbol in symbols)
    closed: dict[int, int] = {}
    sent = 0
    async with websockets.connect(f"ws://127.0.0.1:{port}/stream?streams={streams}", max_size=1 << 20) as socket:
        while sent < bars:
            message = json.loads(await socket.recv())
            kline = message["data"]["k"]
            if not kline["x"]:
                continue
            closed[kline["t"]] = closed.get(kline["t"], 0) + 1
            if closed[kline["t"]] < len(symbols):
                continue
            sent += 1
            query = urllib.parse.urlencode({"symbol": symbols[sent % len(symbols)], "side": "BUY", "type": "MARKET", "quantity": "0.001",
                                            "newClientOrderId": f"reference-{sent}", "timestamp": int(time.time() * 1000)})
            signature = hmac.new(SECRET, query.encode(), hashlib.sha256).hexdigest()
            connection.request("POST", f"/api/v3/order?{query}&signature={signature}", headers={"X-MBX-APIKEY": API_KEY})
            connection.getresponse().read()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])))
