import HTTPTypes
import Hummingbird
import NIOCore

/// The dashboard's page frame and responses: server-rendered HTML, one style sheet from the
/// binary, no script from anywhere else (`Content-Security-Policy: default-src 'self'`).
enum DashboardPage {
    /// The pages of the navigation, in order.
    static let navigation = [("Overview", "/ui"), ("Market", "/ui/market"), ("Predictions", "/ui/predictions"), ("Positions", "/ui/positions"),
                             ("Orders", "/ui/orders"), ("Trades", "/ui/trades"), ("Performance", "/ui/performance"), ("Backtests", "/ui/backtests"),
                             ("Feedback", "/ui/feedback"), ("Supervisor", "/ui/supervisor"), ("Events", "/ui/events-log")]

    /// Headers every dashboard response carries.
    static func securityHeaders(_ headers: inout HTTPFields) {
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
    }

    /// A whole page: `body` inside the frame, with the navigation and sign-out of `session`.
    static func render(title: String, current: String, session: DashboardSession?, body: String, status: HTTPResponse.Status = .ok,
                       cookies: [String] = []) -> Response {
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · TradingOrchestrator</title><link rel="stylesheet" href="/ui/static/dashboard.css"><link rel="icon" href="/ui/static/favicon.svg"><script src="/ui/static/dashboard.js" defer></script></head><body>
            <header><a class="brand" href="/ui">TradingOrchestrator</a>
            """
        if let session {
            // Admins manage keys; the others do not see the page.
            let pages = navigation + (session.principal.role.satisfies(.admin) ? [("Keys", "/ui/keys")] : [])
            html += "<nav>" + pages.map { name, path in
                "<a href=\"\(path)\"\(path == current ? " aria-current=\"page\"" : "")>\(name)</a>"
            }.joined() + "<a href=\"/docs\">API</a></nav>"
            html += """
                <form class="sign-out" method="post" action="/ui/sign-out"><input type="hidden" name="form_token" value="\(HTML.escape(session.formToken))">\
                <span>\(HTML.escape(session.principal.name)) · \(session.principal.role.rawValue)</span><button type="submit">Sign out</button></form>
                """
        }
        html += "</header><main><h1>\(HTML.escape(title))</h1>\(body)</main>"
            + "<footer>Times are shown in <button type=\"button\" id=\"time-zone\" title=\"switch between UTC and this browser's time zone\">UTC</button></footer></body></html>"
        return response(html, status: status, cookies: cookies)
    }

    /// An HTML response with the dashboard's headers.
    static func response(_ html: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        securityHeaders(&headers)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A file of the binary (the style sheet, the icon), cached by the browser for an hour.
    static func asset(_ text: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "max-age=3600"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A 303 to `location` (after a form, or to sign in), setting `cookies`.
    static func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        securityHeaders(&headers)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The pages' one script: the UTC / local-time switch (times marked `<time datetime>`); live
    /// updates from the event stream (`/ui/events`) where a page asks for them (an element with
    /// `data-events`), written into the elements marked `data-field`, or reloading the element
    /// `#live-table` on the events named in `data-reload-on`; a page marked `data-refresh`
    /// reloaded until its job has finished; the market chart drawn on its canvas.
    static let script = """
        "use strict";
        var showTimes = (function () {
          var button = document.getElementById("time-zone");
          function two(n) { return (n < 10 ? "0" : "") + n; }
          function apply() {
            var local = window.localStorage && localStorage.getItem("times") === "local";
            if (button) { button.textContent = local ? "local time (" + Intl.DateTimeFormat().resolvedOptions().timeZone + ")" : "UTC"; }
            document.querySelectorAll("time[datetime]").forEach(function (element) {
              var date = new Date(element.getAttribute("datetime"));
              if (isNaN(date)) { return; }
              element.textContent = local
                ? date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " + two(date.getHours()) + ":" + two(date.getMinutes())
                : date.toISOString().slice(0, 16).replace("T", " ");
              element.title = local ? date.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "";
            });
          }
          if (button && window.localStorage) {
            button.addEventListener("click", function () {
              localStorage.setItem("times", localStorage.getItem("times") === "local" ? "utc" : "local");
              apply();
            });
          }
          apply();
          return apply;
        })();
        (function () {
          var refresh = document.querySelector("[data-refresh]");
          if (refresh) { setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh"))); }
        })();
        (function () {
          var source = document.querySelector("[data-events]");
          if (!source || !window.EventSource) { return; }
          var stream = new EventSource(source.getAttribute("data-events"));
          var reloads = 0, pending = null;
          // A table page reloads its table (same sort and page) when one of its events arrives, at most twice a second.
          (source.getAttribute("data-reload-on") || "").split(" ").filter(Boolean).forEach(function (name) {
            stream.addEventListener(name, function () {
              if (pending) { return; }
              pending = setTimeout(function () {
                fetch(location.href, { credentials: "same-origin" }).then(function (reply) { return reply.ok ? reply.text() : null; }).then(function (text) {
                  pending = null;
                  if (!text) { return; }
                  var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("live-table");
                  var table = document.getElementById("live-table");
                  if (fresh && table) { table.innerHTML = fresh.innerHTML; reloads++; table.setAttribute("data-reloads", String(reloads)); showTimes(); }
                }).catch(function () { pending = null; });
              }, 500);
            });
          });
          function set(field, text, className) {
            var element = document.querySelector('[data-field="' + field + '"]');
            if (!element) { return; }
            element.textContent = text;
            if (className !== undefined) { element.className = "value " + className; }
          }
          stream.onopen = function () { source.className = "live connected"; source.title = "updating as bars arrive"; };
          stream.onerror = function () { source.className = "live"; source.title = "reconnecting"; };
          stream.addEventListener("bar", function (event) {
            var bar = JSON.parse(event.data);
            set("equity", Number(bar.equity).toFixed(2));
            set("last-bar", bar.time.slice(0, 16).replace("T", " "));
            set("state", bar.state, "state-" + bar.state);
          });
          stream.addEventListener("state", function (event) {
            var change = JSON.parse(event.data);
            var next = change.message.split("→")[1];
            if (next) { var state = next.split(":")[0].trim(); set("state", state, "state-" + state); }
          });
        })();
        (function () {
          var canvas = document.getElementById("market-chart");
          if (!canvas) { return; }
          fetch(canvas.getAttribute("data-source"), { credentials: "same-origin" }).then(function (reply) { return reply.json(); }).then(function (data) {
            var ratio = window.devicePixelRatio || 1, width = canvas.clientWidth || 960, height = 430;
            canvas.width = width * ratio; canvas.height = height * ratio; canvas.style.height = height + "px";
            var g = canvas.getContext("2d"); g.scale(ratio, ratio);
            var bars = data.bars, left = 64, right = width - 10, top = 10, priceBottom = 300, volumeTop = 312, volumeBottom = 370;
            var first = bars[0][0], lastClose = bars[bars.length - 1][0] + data.bar_ms, ahead = 0, low = Infinity, high = -Infinity, volume = 0;
            bars.forEach(function (b) { low = Math.min(low, b[3]); high = Math.max(high, b[2]); volume = Math.max(volume, b[5]); });
            data.forecasts.forEach(function (f) { ahead = Math.max(ahead, f.target_ms - lastClose); low = Math.min(low, f.low); high = Math.max(high, f.high); });
            var span = (lastClose - first) + Math.max(0, ahead) * 1.05, range = (high - low) || 1;
            function x(t) { return left + (right - left) * (t - first) / span; }
            function y(p) { return priceBottom - (priceBottom - top) * (p - low) / range; }
            var slot = (right - left) * data.bar_ms / span, body = Math.max(1, slot * 0.7);
            g.strokeStyle = "#d8dee4"; g.beginPath(); g.moveTo(left, priceBottom); g.lineTo(right, priceBottom); g.stroke();
            bars.forEach(function (b) {
              var center = x(b[0]) + slot / 2, color = b[4] >= b[1] ? "#1a7f37" : "#cf222e";
              g.strokeStyle = color; g.fillStyle = color;
              g.beginPath(); g.moveTo(center, y(b[2])); g.lineTo(center, y(b[3])); g.stroke();
              var topY = y(Math.max(b[1], b[4])); g.fillRect(center - body / 2, topY, body, Math.max(0.5, y(Math.min(b[1], b[4])) - topY));
              if (volume > 0) { var h = (volumeBottom - volumeTop) * b[5] / volume; g.fillStyle = "rgba(140,149,159,0.5)"; g.fillRect(center - body / 2, volumeBottom - h, body, h); }
            });
            var bandColors = { BULL: "#2da44e", BEAR: "#cf222e", SIDEWAYS: "#afb8c1", LOW: "#fff1c2", NORMAL: "#f2c94c", HIGH: "#bc4c00" };
            g.font = "10px system-ui, sans-serif"; g.textAlign = "right"; g.fillStyle = "#5c6773";
            g.fillText("trend", left - 6, 385); g.fillText("volatility", left - 6, 399);
            [["trend", 376], ["volatility", 390]].forEach(function (band) {
              (data.regimes[band[0]] || []).forEach(function (run) {
                var from = Math.max(left, x(run[0])); g.fillStyle = bandColors[run[2]] || "#d8dee4";
                g.fillRect(from, band[1], Math.max(1, x(run[1]) - from), 10);
              });
            });
            canvas.setAttribute("data-bands", String((data.regimes.trend || []).length + (data.regimes.volatility || []).length));
            data.fills.forEach(function (f) {
              var center = x(f[0]), p = y(f[1]), d = f[2] === "buy" ? 1 : -1;
              g.fillStyle = f[2] === "buy" ? "#0b5cad" : "#9a6700";
              g.beginPath(); g.moveTo(center, p + 2 * d); g.lineTo(center - 5, p + 11 * d); g.lineTo(center + 5, p + 11 * d); g.closePath(); g.fill();
            });
            g.font = "10px system-ui, sans-serif"; g.textAlign = "center";
            data.forecasts.forEach(function (f) {
              var center = x(f.target_ms);
              g.strokeStyle = "rgba(102,57,186,0.6)"; g.lineWidth = 3; g.beginPath(); g.moveTo(center, y(f.high)); g.lineTo(center, y(f.low)); g.stroke(); g.lineWidth = 1;
              g.fillStyle = "#6639ba"; g.beginPath(); g.arc(center, y(f.expected), 3, 0, 2 * Math.PI); g.fill(); g.fillText(f.horizon, center, y(f.high) - 4);
            });
            g.fillStyle = "#5c6773"; g.font = "11px system-ui, sans-serif"; g.textAlign = "right";
            g.fillText(high.toFixed(2), left - 6, top + 8); g.fillText(low.toFixed(2), left - 6, priceBottom);
            g.textAlign = "left"; g.fillText(new Date(first).toISOString().slice(0, 16).replace("T", " "), left, height - 6);
            g.textAlign = "right"; g.fillText(new Date(lastClose).toISOString().slice(0, 16).replace("T", " "), x(lastClose), height - 6);
            canvas.setAttribute("data-drawn", String(bars.length));
            canvas.setAttribute("data-fills", String(data.fills.length));
            canvas.setAttribute("data-forecasts", String(data.forecasts.length));
          });
        })();
        """

    /// The icon: a rising line on the accent colour.
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/>        <polyline points="5,23 12,16 18,19 27,8" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>
        """

    /// The style sheet: small, no framework, readable on a phone's width.
    static let styleSheet = """
        :root{--ink:#1d2733;--muted:#5c6773;--line:#d8dee4;--back:#f6f8fa;--accent:#0b5cad;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e}
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:#fff}
        header{display:flex;flex-wrap:wrap;align-items:center;gap:12px 20px;padding:10px 20px;border-bottom:1px solid var(--line);background:var(--back)}
        .brand{font-weight:700;color:var(--ink);text-decoration:none}nav{display:flex;flex-wrap:wrap;gap:4px 14px}
        nav a{color:var(--accent);text-decoration:none}nav a[aria-current=page]{font-weight:700;color:var(--ink)}
        .sign-out{margin-left:auto;display:flex;gap:8px;align-items:center;color:var(--muted);font-size:13px}
        main{padding:16px 20px;max-width:1200px}h1{font-size:22px;margin:4px 0 14px}h2{font-size:17px;margin:22px 0 8px}
        footer{padding:10px 20px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
        .card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fff}
        .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .value{font-size:20px;font-weight:600}
        .card .note{color:var(--muted);font-size:12px}.state-ACTIVE{color:var(--good)}.state-REDUCING{color:var(--warn)}.state-HALTED{color:var(--bad)}
        .positive{color:var(--good)}.negative{color:var(--bad)}
        table{border-collapse:collapse;width:100%;font-size:14px;display:block;overflow-x:auto}
        th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}th{background:var(--back);white-space:nowrap}
        td{min-width:6em}td.number{white-space:nowrap;min-width:0}
        th a{color:var(--ink)}td.number,th.number{text-align:right;font-variant-numeric:tabular-nums}td.empty{color:var(--muted)}
        .pager{display:flex;gap:14px;margin:10px 0;color:var(--muted)}.actions{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
        button,.button{font:inherit;padding:6px 14px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--ink);cursor:pointer;text-decoration:none;display:inline-block}
        .danger{border-color:var(--bad);color:var(--bad)}.primary{border-color:var(--accent);background:var(--accent);color:#fff}
        .notice{border-left:4px solid var(--accent);background:var(--back);padding:8px 12px;margin:10px 0}
        .problem{border-left:4px solid var(--bad);background:#fff5f5;padding:8px 12px;margin:10px 0}
        form.sign-in{display:grid;gap:10px;max-width:420px}input[type=password],input[type=text]{font:inherit;padding:7px 9px;border:1px solid var(--line);border-radius:6px;width:100%}
        .field-error{color:var(--bad);font-size:13px}
        form.market{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-end;margin-bottom:8px}form.market label{display:grid;gap:2px;font-size:13px;color:var(--muted)}
        form.market input{width:9em}figure.chart{margin:10px 0}canvas#market-chart{width:100%;height:430px;display:block}figure.chart figcaption{font-size:13px;color:var(--muted)}figure.chart svg{width:100%;height:auto;display:block}
        .live{font-size:12px;font-weight:400;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:1px 8px;vertical-align:middle}
        .live.connected{color:var(--good);border-color:var(--good)}
        footer button{font-size:12px;padding:1px 8px}
        .swatch{display:inline-block;width:14px;height:4px;margin:0 4px 3px 10px;vertical-align:middle}figure.chart svg.swatch{display:inline-block;width:14px;height:4px}
        figure.reliability svg{max-width:360px}
        .columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
        form.backtest{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-end}form.backtest label{display:grid;gap:2px;font-size:13px;color:var(--muted)}form.backtest input{width:8em}form.backtest select{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
        """
}
