"""The floor of the bar-to-order latency against the Alpaca stub, for docs/benchmarks.md: a minimal
Python client that authenticates on the crypto market-data stream, subscribes to the bars of every
symbol and, when the last symbol's bar of a minute arrives, sends one market order (the stub's key
in Alpaca's headers) over a kept-alive HTTP connection. It makes no decision and stores nothing:
the stub's bar-to-order figures for it are what the transport alone costs on this machine.

Usage: python3 scripts/reference/alpaca_latency_client.py PORT SYMBOL[,SYMBOL...] BARS
(symbols as the engine names them, S01-USD; Alpaca's S01/USD is sent). Needs the `websockets`
package (pip install websockets); never a run-time dependency.
"""
import asyncio
import http.client
import json
import sys

import websockets

KEY_ID = "PKSTUBKEY0000000000"
SECRET = "stub-secret-for-local-runs-only"


async def main(port: int, symbols: list[str], bars: int) -> None:
    names = [symbol.replace("-", "/") for symbol in symbols]
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET, "Content-Type": "application/json"}
    closed: dict[str, int] = {}
    sent = 0
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1beta3/crypto/us", max_size=1 << 20) as socket:
        await socket.recv()  # connected
        await socket.send(json.dumps({"action": "auth", "key": KEY_ID, "secret": SECRET}))
        await socket.recv()  # authenticated
        await socket.send(json.dumps({"action": "subscribe", "bars": names}))
        await socket.recv()  # subscription
        while sent < bars:
            for item in json.loads(await socket.recv()):
                if item.get("T") != "b":
                    continue
                closed[item["t"]] = closed.get(item["t"], 0) + 1
                if closed[item["t"]] < len(names):
                    continue
                sent += 1
                body = json.dumps({"symbol": names[sent % len(names)], "side": "buy", "type": "market", "time_in_force": "gtc",
                                   "qty": "0.001", "client_order_id": f"reference-{sent}"})
                connection.request("POST", "/v2/orders", body=body, headers=headers)
                connection.getresponse().read()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])))
