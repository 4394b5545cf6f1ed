# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_oura_global_optspecs
    string join \n emulator sandbox base-url= format= v/verbose q/quiet color= h/help V/version
end

function __fish_oura_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_oura_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_oura_using_subcommand
    set -l cmd (__fish_oura_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c oura -n "__fish_oura_needs_command" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_needs_command" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_needs_command" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_needs_command" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_needs_command" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_needs_command" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_needs_command" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_needs_command" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_needs_command" -f -a "login" -d 'Log in with OAuth in the browser and save the tokens in the configuration directory'
complete -c oura -n "__fish_oura_needs_command" -f -a "logout" -d 'Revoke the saved tokens and delete them'
complete -c oura -n "__fish_oura_needs_command" -f -a "whoami" -d 'Show the personal info of the logged-in user'
complete -c oura -n "__fish_oura_needs_command" -f -a "get" -d 'Print every document of a collection in a range (all pages)'
complete -c oura -n "__fish_oura_needs_command" -f -a "export" -d 'Export every collection to files in a directory, incrementally'
complete -c oura -n "__fish_oura_needs_command" -f -a "sync" -d 'Sync every collection into a database (SQLite or PostgreSQL), incrementally'
complete -c oura -n "__fish_oura_needs_command" -f -a "webhooks" -d 'Manage webhook subscriptions, or receive events'
complete -c oura -n "__fish_oura_needs_command" -f -a "emulator" -d 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)'
complete -c oura -n "__fish_oura_needs_command" -f -a "dashboard" -d 'Draw charts of an export\'s daily metrics into one self-contained HTML file'
complete -c oura -n "__fish_oura_needs_command" -f -a "completions" -d 'Print the completion script of a shell on stdout (see the README for where it goes)'
complete -c oura -n "__fish_oura_needs_command" -f -a "mcp" -d 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)'
complete -c oura -n "__fish_oura_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oura -n "__fish_oura_using_subcommand login" -l client-id -d 'The application\'s client id' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l client-secret -d 'The application\'s client secret (omit for a public PKCE client)' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l redirect-uri -d 'The redirect URI registered for the application; it must be a loopback http URL, where this command listens for the browser\'s return (port 0 picks a free port)' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l idp -d 'Which authorization server: `legacy` (cloud.ouraring.com) or `moi` (the newer identity provider, with PKCE). Default: legacy, or the `--base-url` server\'s own `/oauth/...` routes (with PKCE) when a base URL is set' -r -f -a "legacy\t'cloud.ouraring.com / api.ouraring.com'
moi\t'moi.ouraring.com (PKCE, `extapi:` scopes)'"
complete -c oura -n "__fish_oura_using_subcommand login" -l scopes -d 'Scopes to ask for (comma-separated). Default: all of them' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l timeout -d 'How long to wait for the browser, in seconds' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l format -d 'See the global `--format`' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand login" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand login" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand login" -l no-browser -d 'Print the authorization URL instead of opening a browser'
complete -c oura -n "__fish_oura_using_subcommand login" -l emulator -d 'See the global `--emulator`'
complete -c oura -n "__fish_oura_using_subcommand login" -l sandbox -d 'See the global `--sandbox`'
complete -c oura -n "__fish_oura_using_subcommand login" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand login" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand login" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand logout" -l format -d 'See the global `--format`' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand logout" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand logout" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand logout" -l emulator -d 'See the global `--emulator`'
complete -c oura -n "__fish_oura_using_subcommand logout" -l sandbox -d 'See the global `--sandbox`'
complete -c oura -n "__fish_oura_using_subcommand logout" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand logout" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand logout" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand whoami" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand whoami" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand whoami" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand whoami" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand whoami" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand whoami" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand whoami" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand get" -l start -d 'First day (YYYY-MM-DD), or instant (RFC 3339) for heartrate and ring_battery_level. Default: a week before the end' -r
complete -c oura -n "__fish_oura_using_subcommand get" -l end -d 'Last day (inclusive), or instant. Default: today' -r
complete -c oura -n "__fish_oura_using_subcommand get" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand get" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand get" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand get" -l latest -d 'Only the most recent document (of the range, or of the last 30 days)'
complete -c oura -n "__fish_oura_using_subcommand get" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand get" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand get" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand get" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand get" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand export" -l out -d 'The directory of the files (created if needed); it also holds the export state' -r -F
complete -c oura -n "__fish_oura_using_subcommand export" -l since -d 'Fetch from this day (YYYY-MM-DD) instead of where the last export ended; documents already in the files are not written again. Default on a first export: the setup day of the user\'s first ring' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l collections -d 'Only these collections (comma-separated). Default: all' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l until -d 'Fetch up to this day (YYYY-MM-DD, inclusive) instead of up to now' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l concurrency -d 'Requests in flight at once' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l file-mode -d 'The permission bits of the files written, in octal. Default 600: only you can read your health data' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand export" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand export" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand export" -l no-csv-guard -d 'Write CSV cells that begin with `=`, `+`, `-` or `@` as they are. By default such text gets a leading `\'` so a spreadsheet shows it instead of running it as a formula'
complete -c oura -n "__fish_oura_using_subcommand export" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand export" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand export" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand export" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand export" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand sync" -l database -d 'The database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST:PORT/DB`' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l token-store -d 'The token store of --all-users, a database URL like --database (default: --database)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l collections -d 'Only these collections (comma-separated routes; default: every collection)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l since -d 'Fetch from this day (YYYY-MM-DD) instead of where the database stands' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l today -d 'The last day to fetch (default: today, in local time)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l concurrency -d 'Requests in flight at once, across every user. With --all-users it is also the most users synced at once, all spending one rate budget of the application' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand sync" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand sync" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand sync" -l all-users -d 'Sync every user of the token store (see --token-store) instead of the logged-in user'
complete -c oura -n "__fish_oura_using_subcommand sync" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand sync" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand sync" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand sync" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand sync" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "list" -d 'List the application\'s subscriptions'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "create" -d 'Create one subscription (Oura calls the callback URL to verify it first)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "renew" -d 'Renew a subscription (moves its expiration forward)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "delete" -d 'Delete a subscription'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "ensure" -d 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "serve" -d 'Receive events: answer Oura\'s verification, check signatures, print each event as a JSON line'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and not __fish_seen_subcommand_from list create renew delete ensure serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l callback-url -d 'Where Oura sends the events' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l verification-token -d 'The token Oura sends back when it verifies the callback URL' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l event-type -d 'create, update or delete' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l data-type -d 'The collection: sleep, daily_readiness, ...' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from renew" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l client-id -d 'The application\'s client id (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l client-secret -d 'The application\'s client secret (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l callback-url -d 'Where Oura sends the events' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l verification-token -d 'The token Oura sends back when it verifies the callback URL' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l data-types -d 'Data types (comma-separated). Default: every known one' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l event-types -d 'Event types (comma-separated). Default: create, update, delete' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l delete-unwanted -d 'Also delete this callback URL\'s subscriptions that are not wanted'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from ensure" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l listen -d 'Address to listen on' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l path -d 'The callback path' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l client-secret -d 'The application\'s client secret, which signs deliveries (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l verification-token -d 'The verification token given when subscribing' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l sync -d 'Keep a database current: fetch each event\'s document and upsert it (delete it on a delete event), `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l token-store -d 'With --sync: fetch each event\'s document with the token of the event\'s user, from this token store (a database URL, as `oura sync --all-users` reads). An event of a user the store does not hold is logged and skipped (answered 200, so Oura does not send it again). Default: the logged-in user\'s token for every event' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l client-id -d 'The application\'s client id, to refresh the tokens of --token-store (default: the one `oura login` saved)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l count -d 'Stop after this many events (default: serve until Ctrl-C)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the application\'s subscriptions'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create one subscription (Oura calls the callback URL to verify it first)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "renew" -d 'Renew a subscription (moves its expiration forward)'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a subscription'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "ensure" -d 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Receive events: answer Oura\'s verification, check signatures, print each event as a JSON line'
complete -c oura -n "__fish_oura_using_subcommand webhooks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oura -n "__fish_oura_using_subcommand emulator" -l port -d 'Port to listen on (0 picks a free one)' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l host -d 'Address to listen on' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l seed -d 'Seed of all generated data' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l users -d 'Number of users' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l days -d 'Days of history per user' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l today -d 'Last day of the history (YYYY-MM-DD). Default: today' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l page-size -d 'Documents per page of the date collections' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l latency -d 'Milliseconds from a request\'s arrival to its answer (building the answer is part of it)' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l rate-limit -d 'Rate limit per token and per application, as N/SECS' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l fault-rate -d 'Fraction of requests that fail (5xx, dropped connections, truncated bodies)' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l base-url -d 'See the global `--base-url`' -r
complete -c oura -n "__fish_oura_using_subcommand emulator" -l format -d 'See the global `--format`' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand emulator" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand emulator" -l emulator -d 'See the global `--emulator`'
complete -c oura -n "__fish_oura_using_subcommand emulator" -l sandbox -d 'See the global `--sandbox`'
complete -c oura -n "__fish_oura_using_subcommand emulator" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand emulator" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand emulator" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand emulator" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l from -d 'An export directory, as `oura export --out DIR` writes it (NDJSON or CSV files)' -r -F
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l database -d 'A database `oura sync` wrote (`sqlite://PATH` or `postgres://...`), instead of --from' -r
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l out -d 'The HTML file to write (replaced if it exists)' -r -F
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l since -d 'First day shown (YYYY-MM-DD). Default: the first day with data' -r
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l until -d 'Last day shown (YYYY-MM-DD). Default: the last day with data' -r
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l base-url -d 'See the global `--base-url`' -r
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l format -d 'See the global `--format`' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l emulator -d 'See the global `--emulator`'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -l sandbox -d 'See the global `--sandbox`'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand dashboard" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand completions" -l base-url -d 'See the global `--base-url`' -r
complete -c oura -n "__fish_oura_using_subcommand completions" -l format -d 'See the global `--format`' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand completions" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand completions" -l emulator -d 'See the global `--emulator`'
complete -c oura -n "__fish_oura_using_subcommand completions" -l sandbox -d 'See the global `--sandbox`'
complete -c oura -n "__fish_oura_using_subcommand completions" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand completions" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand completions" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand mcp" -l today -d 'The date the server takes as today (YYYY-MM-DD): the default end of ranges and, with `--emulator`, the last day of its history. Default: the local date' -r
complete -c oura -n "__fish_oura_using_subcommand mcp" -l limit -d 'Documents a collection tool returns per call when the call gives no `limit`' -r
complete -c oura -n "__fish_oura_using_subcommand mcp" -l base-url -d 'Another API root than Oura\'s own (a proxy, a separately started emulator)' -r
complete -c oura -n "__fish_oura_using_subcommand mcp" -l format -d 'Output format: a table on a terminal and NDJSON when piped, by default. `export` writes ndjson (default) or csv files' -r -f -a "table\t'Aligned columns of the top-level values, for people'
json\t'One JSON array (or object), pretty-printed'
ndjson\t'One compact JSON document per line'
csv\t'A header row, then one row per document; nested values as JSON'"
complete -c oura -n "__fish_oura_using_subcommand mcp" -l color -d 'When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set (to anything but an empty string)'
always\t'Always, even when piped'
never\t'Never'"
complete -c oura -n "__fish_oura_using_subcommand mcp" -l emulator -d 'Start the Oura API emulator in this process and use it: no account, no network'
complete -c oura -n "__fish_oura_using_subcommand mcp" -l sandbox -d 'Use Oura\'s sandbox (fake data, no login needed)'
complete -c oura -n "__fish_oura_using_subcommand mcp" -s v -l verbose -d 'Trace requests on stderr (-v: each request; -vv: everything)'
complete -c oura -n "__fish_oura_using_subcommand mcp" -s q -l quiet -d 'Print no progress and no summaries: only the data and errors'
complete -c oura -n "__fish_oura_using_subcommand mcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oura -n "__fish_oura_using_subcommand mcp" -s V -l version -d 'Print version'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "login" -d 'Log in with OAuth in the browser and save the tokens in the configuration directory'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "logout" -d 'Revoke the saved tokens and delete them'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "whoami" -d 'Show the personal info of the logged-in user'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "get" -d 'Print every document of a collection in a range (all pages)'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "export" -d 'Export every collection to files in a directory, incrementally'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "sync" -d 'Sync every collection into a database (SQLite or PostgreSQL), incrementally'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "webhooks" -d 'Manage webhook subscriptions, or receive events'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "emulator" -d 'Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines)'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "dashboard" -d 'Draw charts of an export\'s daily metrics into one self-contained HTML file'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "completions" -d 'Print the completion script of a shell on stdout (see the README for where it goes)'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "mcp" -d 'Serve your Oura data to AI assistants over the Model Context Protocol (stdio)'
complete -c oura -n "__fish_oura_using_subcommand help; and not __fish_seen_subcommand_from login logout whoami get export sync webhooks emulator dashboard completions mcp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "list" -d 'List the application\'s subscriptions'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "create" -d 'Create one subscription (Oura calls the callback URL to verify it first)'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "renew" -d 'Renew a subscription (moves its expiration forward)'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "delete" -d 'Delete a subscription'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "ensure" -d 'Make the subscriptions of a callback URL match what is wanted: create the missing, renew those expiring within a week, and delete the unwanted with `--delete-unwanted`'
complete -c oura -n "__fish_oura_using_subcommand help; and __fish_seen_subcommand_from webhooks" -f -a "serve" -d 'Receive events: answer Oura\'s verification, check signatures, print each event as a JSON line'
