# Tandem behind Varnish Cache 6/7, plain HTTP (Varnish does not terminate TLS; put a TLS
# terminator such as hitch, HAProxy or nginx in front of it for HTTPS/WSS).
#
# Use this file as Varnish's VCL (varnishd -f varnish.vcl -a :80), or merge its subroutines into
# yours, and replace the placeholders:
#   {{UPSTREAM_HOST}}  where `tandem serve` listens, e.g. 127.0.0.1
#   {{UPSTREAM_PORT}}  its port, e.g. 8080
# and start Tandem with Varnish trusted for X-Forwarded-For (Varnish appends the client's
# address to it) and the public name allowed (Varnish passes Host through):
#   tandem serve --listen 127.0.0.1:8080 --trusted-proxy 127.0.0.1 \
#                --allow-origin https://notes.example.com   (the public name: Host allowlist)
# tests/e2e/proxies/ runs this very file (placeholders filled in) in front of a real server;
# docs/deploying.md explains it.
vcl 4.1;

backend tandem {
    .host = "{{UPSTREAM_HOST}}";
    .port = "{{UPSTREAM_PORT}}";
    .connect_timeout = 5s;
    # A long-poll is held 25 s before its first byte; the default (60 s) covers it, but an
    # explicit value keeps a copied "10s" from cutting every held poll with a 503.
    .first_byte_timeout = 60s;
    # Longer than the gap between SSE heartbeats (15 s).
    .between_bytes_timeout = 60s;
}

sub vcl_recv {
    # Varnish does not pass an upgrade in pass mode: hand the connection over as a tunnel.
    if (req.http.Upgrade ~ "(?i)websocket") {
        return (pipe);
    }
    # Every Tandem answer is live (streams, held polls, the uplink, a document's current text):
    # never cache or coalesce one. Streams pass chunk by chunk (beresp.do_stream is on).
    return (pass);
}

sub vcl_pipe {
    # pipe copies the request as Varnish built it, without the hop-by-hop upgrade headers.
    if (req.http.Upgrade) {
        set bereq.http.Upgrade = req.http.Upgrade;
        set bereq.http.Connection = req.http.Connection;
    }
    return (pipe);
}
