
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'oura' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'oura'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'oura' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth in the browser and save the tokens in the configuration directory')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the saved tokens and delete them')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show the personal info of the logged-in user')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print every document of a collection in a range (all pages)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every collection to files in a directory, incrementally')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Sync every collection into a database (SQLite or PostgreSQL), incrementally')
            [CompletionResult]::new('webhooks', 'webhooks', [CompletionResultType]::ParameterValue, 'Manage webhook subscriptions, or receive events')
            [CompletionResult]::new('emulator', 'emulator', [CompletionResultType]::ParameterValue, 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Draw charts of an export''s daily metrics into one self-contained HTML file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script of a shell on stdout (see the README for where it goes)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'oura;login' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (omit for a public PKCE client)')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'The redirect URI registered for the application; it must be a loopback http URL, where this command listens for the browser''s return (port 0 picks a free port)')
            [CompletionResult]::new('--idp', '--idp', [CompletionResultType]::ParameterName, 'Which authorization server: `legacy` (cloud.ouraring.com) or `moi` (the newer identity provider, with PKCE). Default: legacy, or the `--base-url` server''s own `/oauth/...` routes (with PKCE) when a base URL is set')
            [CompletionResult]::new('--scopes', '--scopes', [CompletionResultType]::ParameterName, 'Scopes to ask for (comma-separated). Default: all of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the browser, in seconds')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'See the global `--format`')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the authorization URL instead of opening a browser')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'See the global `--emulator`')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'See the global `--sandbox`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;logout' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'See the global `--format`')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'See the global `--emulator`')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'See the global `--sandbox`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;whoami' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;get' {
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'First day (YYYY-MM-DD), or instant (RFC 3339) for heartrate and ring_battery_level. Default: a week before the end')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Last day (inclusive), or instant. Default: today')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'Only the most recent document (of the range, or of the last 30 days)')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;export' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The directory of the files (created if needed); it also holds the export state')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Fetch from this day (YYYY-MM-DD) instead of where the last export ended; documents already in the files are not written again. Default on a first export: the setup day of the user''s first ring')
            [CompletionResult]::new('--collections', '--collections', [CompletionResultType]::ParameterName, 'Only these collections (comma-separated). Default: all')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Fetch up to this day (YYYY-MM-DD, inclusive) instead of up to now')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--file-mode', '--file-mode', [CompletionResultType]::ParameterName, 'The permission bits of the files written, in octal. Default 600: only you can read your health data')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--no-csv-guard', '--no-csv-guard', [CompletionResultType]::ParameterName, 'Write CSV cells that begin with `=`, `+`, `-` or `@` as they are. By default such text gets a leading `''` so a spreadsheet shows it instead of running it as a formula')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;sync' {
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'The database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST:PORT/DB`')
            [CompletionResult]::new('--token-store', '--token-store', [CompletionResultType]::ParameterName, 'The token store of --all-users, a database URL like --database (default: --database)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--collections', '--collections', [CompletionResultType]::ParameterName, 'Only these collections (comma-separated routes; default: every collection)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Fetch from this day (YYYY-MM-DD) instead of where the database stands')
            [CompletionResult]::new('--today', '--today', [CompletionResultType]::ParameterName, 'The last day to fetch (default: today, in local time)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once, across every user. With --all-users it is also the most users synced at once, all spending one rate budget of the application')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--all-users', '--all-users', [CompletionResultType]::ParameterName, 'Sync every user of the token store (see --token-store) instead of the logged-in user')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the application''s subscriptions')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one subscription (Oura calls the callback URL to verify it first)')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew a subscription (moves its expiration forward)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a subscription')
            [CompletionResult]::new('ensure', 'ensure', [CompletionResultType]::ParameterValue, 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'oura;webhooks;list' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;create' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--callback-url', '--callback-url', [CompletionResultType]::ParameterName, 'Where Oura sends the events')
            [CompletionResult]::new('--verification-token', '--verification-token', [CompletionResultType]::ParameterName, 'The token Oura sends back when it verifies the callback URL')
            [CompletionResult]::new('--event-type', '--event-type', [CompletionResultType]::ParameterName, 'create, update or delete')
            [CompletionResult]::new('--data-type', '--data-type', [CompletionResultType]::ParameterName, 'The collection: sleep, daily_readiness, ...')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;renew' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;delete' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;ensure' {
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id (default: the one `oura login` saved)')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret (default: the one `oura login` saved)')
            [CompletionResult]::new('--callback-url', '--callback-url', [CompletionResultType]::ParameterName, 'Where Oura sends the events')
            [CompletionResult]::new('--verification-token', '--verification-token', [CompletionResultType]::ParameterName, 'The token Oura sends back when it verifies the callback URL')
            [CompletionResult]::new('--data-types', '--data-types', [CompletionResultType]::ParameterName, 'Data types (comma-separated). Default: every known one')
            [CompletionResult]::new('--event-types', '--event-types', [CompletionResultType]::ParameterName, 'Event types (comma-separated). Default: create, update, delete')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--delete-unwanted', '--delete-unwanted', [CompletionResultType]::ParameterName, 'Also delete this callback URL''s subscriptions that are not wanted')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The callback path')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The application''s client secret, which signs deliveries (default: the one `oura login` saved)')
            [CompletionResult]::new('--verification-token', '--verification-token', [CompletionResultType]::ParameterName, 'The verification token given when subscribing')
            [CompletionResult]::new('--sync', '--sync', [CompletionResultType]::ParameterName, 'Keep a database current: fetch each event''s document and upsert it (delete it on a delete event), `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`')
            [CompletionResult]::new('--token-store', '--token-store', [CompletionResultType]::ParameterName, 'With --sync: fetch each event''s document with the token of the event''s user, from this token store (a database URL, as `oura sync --all-users` reads). An event of a user the store does not hold is logged and skipped (answered 200, so Oura does not send it again). Default: the logged-in user''s token for every event')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The application''s client id, to refresh the tokens of --token-store (default: the one `oura login` saved)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many events (default: serve until Ctrl-C)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;webhooks;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the application''s subscriptions')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one subscription (Oura calls the callback URL to verify it first)')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew a subscription (moves its expiration forward)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a subscription')
            [CompletionResult]::new('ensure', 'ensure', [CompletionResultType]::ParameterValue, 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'oura;webhooks;help;list' {
            break
        }
        'oura;webhooks;help;create' {
            break
        }
        'oura;webhooks;help;renew' {
            break
        }
        'oura;webhooks;help;delete' {
            break
        }
        'oura;webhooks;help;ensure' {
            break
        }
        'oura;webhooks;help;serve' {
            break
        }
        'oura;webhooks;help;help' {
            break
        }
        'oura;emulator' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of all generated data')
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'Number of users')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Days of history per user')
            [CompletionResult]::new('--today', '--today', [CompletionResultType]::ParameterName, 'Last day of the history (YYYY-MM-DD). Default: today')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Documents per page of the date collections')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Milliseconds from a request''s arrival to its answer (building the answer is part of it)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Rate limit per token and per application, as N/SECS')
            [CompletionResult]::new('--fault-rate', '--fault-rate', [CompletionResultType]::ParameterName, 'Fraction of requests that fail (5xx, dropped connections, truncated bodies)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'See the global `--base-url`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'See the global `--format`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'See the global `--emulator`')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'See the global `--sandbox`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;dashboard' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'An export directory, as `oura export --out DIR` writes it (NDJSON or CSV files)')
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'A database `oura sync` wrote (`sqlite://PATH` or `postgres://...`), instead of --from')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The HTML file to write (replaced if it exists)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'First day shown (YYYY-MM-DD). Default: the first day with data')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Last day shown (YYYY-MM-DD). Default: the last day with data')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'See the global `--base-url`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'See the global `--format`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'See the global `--emulator`')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'See the global `--sandbox`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;completions' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'See the global `--base-url`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'See the global `--format`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'See the global `--emulator`')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'See the global `--sandbox`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;mcp' {
            [CompletionResult]::new('--today', '--today', [CompletionResultType]::ParameterName, 'The date the server takes as today (YYYY-MM-DD): the default end of ranges and, with `--emulator`, the last day of its history. Default: the local date')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Documents a collection tool returns per call when the call gives no `limit`')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Another API root than Oura''s own (a proxy, a separately started emulator)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Start the Oura API emulator in this process and use it: no account, no network')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Use Oura''s sandbox (fake data, no login needed)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace requests on stderr (-v: each request; -vv: everything)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress and no summaries: only the data and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'oura;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth in the browser and save the tokens in the configuration directory')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the saved tokens and delete them')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show the personal info of the logged-in user')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print every document of a collection in a range (all pages)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every collection to files in a directory, incrementally')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Sync every collection into a database (SQLite or PostgreSQL), incrementally')
            [CompletionResult]::new('webhooks', 'webhooks', [CompletionResultType]::ParameterValue, 'Manage webhook subscriptions, or receive events')
            [CompletionResult]::new('emulator', 'emulator', [CompletionResultType]::ParameterValue, 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Draw charts of an export''s daily metrics into one self-contained HTML file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script of a shell on stdout (see the README for where it goes)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'oura;help;login' {
            break
        }
        'oura;help;logout' {
            break
        }
        'oura;help;whoami' {
            break
        }
        'oura;help;get' {
            break
        }
        'oura;help;export' {
            break
        }
        'oura;help;sync' {
            break
        }
        'oura;help;webhooks' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the application''s subscriptions')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one subscription (Oura calls the callback URL to verify it first)')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew a subscription (moves its expiration forward)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a subscription')
            [CompletionResult]::new('ensure', 'ensure', [CompletionResultType]::ParameterValue, 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive events: answer Oura''s verification, check signatures, print each event as a JSON line')
            break
        }
        'oura;help;webhooks;list' {
            break
        }
        'oura;help;webhooks;create' {
            break
        }
        'oura;help;webhooks;renew' {
            break
        }
        'oura;help;webhooks;delete' {
            break
        }
        'oura;help;webhooks;ensure' {
            break
        }
        'oura;help;webhooks;serve' {
            break
        }
        'oura;help;emulator' {
            break
        }
        'oura;help;dashboard' {
            break
        }
        'oura;help;completions' {
            break
        }
        'oura;help;mcp' {
            break
        }
        'oura;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
