
use builtin;
use str;

set edit:completion:arg-completer[oura] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'oura'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'oura'= {
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in with OAuth in the browser and save the tokens in the configuration directory'
            cand logout 'Revoke the saved tokens and delete them'
            cand whoami 'Show the personal info of the logged-in user'
            cand get 'Print every document of a collection in a range (all pages)'
            cand export 'Export every collection to files in a directory, incrementally'
            cand sync 'Sync every collection into a database (SQLite or PostgreSQL), incrementally'
            cand webhooks 'Manage webhook subscriptions, or receive events'
            cand emulator 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)'
            cand dashboard 'Draw charts of an export''s daily metrics into one self-contained HTML file'
            cand completions 'Print the completion script of a shell on stdout (see the README for where it goes)'
            cand mcp 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'oura;login'= {
            cand --client-id 'The application''s client id'
            cand --client-secret 'The application''s client secret (omit for a public PKCE client)'
            cand --redirect-uri 'The redirect URI registered for the application; it must be a loopback http URL, where this command listens for the browser''s return (port 0 picks a free port)'
            cand --idp 'Which authorization server: `legacy` (cloud.ouraring.com) or `moi` (the newer identity provider, with PKCE). Default: legacy, or the `--base-url` server''s own `/oauth/...` routes (with PKCE) when a base URL is set'
            cand --scopes 'Scopes to ask for (comma-separated). Default: all of them'
            cand --timeout 'How long to wait for the browser, in seconds'
            cand --format 'See the global `--format`'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --no-browser 'Print the authorization URL instead of opening a browser'
            cand --emulator 'See the global `--emulator`'
            cand --sandbox 'See the global `--sandbox`'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;logout'= {
            cand --format 'See the global `--format`'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'See the global `--emulator`'
            cand --sandbox 'See the global `--sandbox`'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;whoami'= {
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;get'= {
            cand --start 'First day (YYYY-MM-DD), or instant (RFC 3339) for heartrate and ring_battery_level. Default: a week before the end'
            cand --end 'Last day (inclusive), or instant. Default: today'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --latest 'Only the most recent document (of the range, or of the last 30 days)'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;export'= {
            cand --out 'The directory of the files (created if needed); it also holds the export state'
            cand --since 'Fetch from this day (YYYY-MM-DD) instead of where the last export ended; documents already in the files are not written again. Default on a first export: the setup day of the user''s first ring'
            cand --collections 'Only these collections (comma-separated). Default: all'
            cand --until 'Fetch up to this day (YYYY-MM-DD, inclusive) instead of up to now'
            cand --concurrency 'Requests in flight at once'
            cand --file-mode 'The permission bits of the files written, in octal. Default 600: only you can read your health data'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --no-csv-guard 'Write CSV cells that begin with `=`, `+`, `-` or `@` as they are. By default such text gets a leading `''` so a spreadsheet shows it instead of running it as a formula'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;sync'= {
            cand --database 'The database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST:PORT/DB`'
            cand --token-store 'The token store of --all-users, a database URL like --database (default: --database)'
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --collections 'Only these collections (comma-separated routes; default: every collection)'
            cand --since 'Fetch from this day (YYYY-MM-DD) instead of where the database stands'
            cand --today 'The last day to fetch (default: today, in local time)'
            cand --concurrency 'Requests in flight at once, across every user. With --all-users it is also the most users synced at once, all spending one rate budget of the application'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --all-users 'Sync every user of the token store (see --token-store) instead of the logged-in user'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks'= {
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the application''s subscriptions'
            cand create 'Create one subscription (Oura calls the callback URL to verify it first)'
            cand renew 'Renew a subscription (moves its expiration forward)'
            cand delete 'Delete a subscription'
            cand ensure 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
            cand serve 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'oura;webhooks;list'= {
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;create'= {
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --callback-url 'Where Oura sends the events'
            cand --verification-token 'The token Oura sends back when it verifies the callback URL'
            cand --event-type 'create, update or delete'
            cand --data-type 'The collection: sleep, daily_readiness, ...'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;renew'= {
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;delete'= {
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;ensure'= {
            cand --client-id 'The application''s client id (default: the one `oura login` saved)'
            cand --client-secret 'The application''s client secret (default: the one `oura login` saved)'
            cand --callback-url 'Where Oura sends the events'
            cand --verification-token 'The token Oura sends back when it verifies the callback URL'
            cand --data-types 'Data types (comma-separated). Default: every known one'
            cand --event-types 'Event types (comma-separated). Default: create, update, delete'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --delete-unwanted 'Also delete this callback URL''s subscriptions that are not wanted'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;serve'= {
            cand --listen 'Address to listen on'
            cand --path 'The callback path'
            cand --client-secret 'The application''s client secret, which signs deliveries (default: the one `oura login` saved)'
            cand --verification-token 'The verification token given when subscribing'
            cand --sync 'Keep a database current: fetch each event''s document and upsert it (delete it on a delete event), `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`'
            cand --token-store 'With --sync: fetch each event''s document with the token of the event''s user, from this token store (a database URL, as `oura sync --all-users` reads). An event of a user the store does not hold is logged and skipped (answered 200, so Oura does not send it again). Default: the logged-in user''s token for every event'
            cand --client-id 'The application''s client id, to refresh the tokens of --token-store (default: the one `oura login` saved)'
            cand --count 'Stop after this many events (default: serve until Ctrl-C)'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;webhooks;help'= {
            cand list 'List the application''s subscriptions'
            cand create 'Create one subscription (Oura calls the callback URL to verify it first)'
            cand renew 'Renew a subscription (moves its expiration forward)'
            cand delete 'Delete a subscription'
            cand ensure 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
            cand serve 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'oura;webhooks;help;list'= {
        }
        &'oura;webhooks;help;create'= {
        }
        &'oura;webhooks;help;renew'= {
        }
        &'oura;webhooks;help;delete'= {
        }
        &'oura;webhooks;help;ensure'= {
        }
        &'oura;webhooks;help;serve'= {
        }
        &'oura;webhooks;help;help'= {
        }
        &'oura;emulator'= {
            cand --port 'Port to listen on (0 picks a free one)'
            cand --host 'Address to listen on'
            cand --seed 'Seed of all generated data'
            cand --users 'Number of users'
            cand --days 'Days of history per user'
            cand --today 'Last day of the history (YYYY-MM-DD). Default: today'
            cand --page-size 'Documents per page of the date collections'
            cand --latency 'Milliseconds from a request''s arrival to its answer (building the answer is part of it)'
            cand --rate-limit 'Rate limit per token and per application, as N/SECS'
            cand --fault-rate 'Fraction of requests that fail (5xx, dropped connections, truncated bodies)'
            cand --base-url 'See the global `--base-url`'
            cand --format 'See the global `--format`'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'See the global `--emulator`'
            cand --sandbox 'See the global `--sandbox`'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;dashboard'= {
            cand --from 'An export directory, as `oura export --out DIR` writes it (NDJSON or CSV files)'
            cand --database 'A database `oura sync` wrote (`sqlite://PATH` or `postgres://...`), instead of --from'
            cand --out 'The HTML file to write (replaced if it exists)'
            cand --since 'First day shown (YYYY-MM-DD). Default: the first day with data'
            cand --until 'Last day shown (YYYY-MM-DD). Default: the last day with data'
            cand --base-url 'See the global `--base-url`'
            cand --format 'See the global `--format`'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'See the global `--emulator`'
            cand --sandbox 'See the global `--sandbox`'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;completions'= {
            cand --base-url 'See the global `--base-url`'
            cand --format 'See the global `--format`'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'See the global `--emulator`'
            cand --sandbox 'See the global `--sandbox`'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;mcp'= {
            cand --today 'The date the server takes as today (YYYY-MM-DD): the default end of ranges and, with `--emulator`, the last day of its history. Default: the local date'
            cand --limit 'Documents a collection tool returns per call when the call gives no `limit`'
            cand --base-url 'Another API root than Oura''s own (a proxy, a separately started emulator)'
            cand --format 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files'
            cand --color 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set'
            cand --emulator 'Start the Oura API emulator in this process and use it: no account, no network'
            cand --sandbox 'Use Oura''s sandbox (fake data, no login needed)'
            cand -v 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand --verbose 'Trace requests on stderr (-v: each request; -vv: everything)'
            cand -q 'Print no progress and no summaries: only the data and errors'
            cand --quiet 'Print no progress and no summaries: only the data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'oura;help'= {
            cand login 'Log in with OAuth in the browser and save the tokens in the configuration directory'
            cand logout 'Revoke the saved tokens and delete them'
            cand whoami 'Show the personal info of the logged-in user'
            cand get 'Print every document of a collection in a range (all pages)'
            cand export 'Export every collection to files in a directory, incrementally'
            cand sync 'Sync every collection into a database (SQLite or PostgreSQL), incrementally'
            cand webhooks 'Manage webhook subscriptions, or receive events'
            cand emulator 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)'
            cand dashboard 'Draw charts of an export''s daily metrics into one self-contained HTML file'
            cand completions 'Print the completion script of a shell on stdout (see the README for where it goes)'
            cand mcp 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'oura;help;login'= {
        }
        &'oura;help;logout'= {
        }
        &'oura;help;whoami'= {
        }
        &'oura;help;get'= {
        }
        &'oura;help;export'= {
        }
        &'oura;help;sync'= {
        }
        &'oura;help;webhooks'= {
            cand list 'List the application''s subscriptions'
            cand create 'Create one subscription (Oura calls the callback URL to verify it first)'
            cand renew 'Renew a subscription (moves its expiration forward)'
            cand delete 'Delete a subscription'
            cand ensure 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
            cand serve 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line'
        }
        &'oura;help;webhooks;list'= {
        }
        &'oura;help;webhooks;create'= {
        }
        &'oura;help;webhooks;renew'= {
        }
        &'oura;help;webhooks;delete'= {
        }
        &'oura;help;webhooks;ensure'= {
        }
        &'oura;help;webhooks;serve'= {
        }
        &'oura;help;emulator'= {
        }
        &'oura;help;dashboard'= {
        }
        &'oura;help;completions'= {
        }
        &'oura;help;mcp'= {
        }
        &'oura;help;help'= {
        }
    ]
    $completions[$command]
}
