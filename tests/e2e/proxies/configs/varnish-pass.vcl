# Cell 9: Varnish as people first write it for an application that must not be cached: every
# request passed, the backend's first-byte timeout cut to 10 s. Varnish drops the Upgrade
# header in pass mode (the upgrade reaches Tandem as a plain GET), answers a held poll with its
# own 503 after 10 s, and held back close-delimited SSE bodies until Tandem chunked them
# (issue 19).
vcl 4.1;

backend default {
    .host = "{{UPSTREAM_HOST}}";
    .port = "{{UPSTREAM_PORT}}";
    .first_byte_timeout = 10s;
}

sub vcl_recv {
    return (pass);
}
