"""The quiet uvicorn server, as a real process: it answers, its Date header is current, and a
SIGTERM stops it at once even when its next look at the exit flag is a minute away."""

import asyncio
import email.utils
import signal
import socket
import sys
import time

import httpx
from servicekit.testing.polling import eventually

PROGRAM = """
import sys
import servicekit.serving as serving
serving.TICK_S = 60.0

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

serving.serve(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, lifespan="off")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_quiet_server_answers_and_stops_at_once_on_sigterm() -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", PROGRAM, str(port))
    try:
        async with httpx.AsyncClient(timeout=2) as client:

            async def answers() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(answers, timeout_s=20, message="the server answering")
            response = await client.get(f"http://127.0.0.1:{port}/")
        date = email.utils.parsedate_to_datetime(response.headers["date"])
        assert abs(date.timestamp() - time.time()) < 5
        process.send_signal(signal.SIGTERM)
        # its next look at the exit flag is 60 s away: only the signal's wake-up stops it soon
        await asyncio.wait_for(process.wait(), timeout=15)
        # uvicorn raises the signal it caught again once it has shut down, as a parent expects
        assert process.returncode == -signal.SIGTERM
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
