#compdef kubectl-odoo

autoload -U is-at-least

_kubectl-odoo() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_kubectl-odoo_commands" \
"*::: :->kubectl odoo" \
&& ret=0
    case $state in
    (kubectl odoo)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-odoo-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'-f+[Read the OdooInstance from this YAML or JSON file ("-" for stdin); flags given as well override the file]:FILE:_files' \
'--filename=[Read the OdooInstance from this YAML or JSON file ("-" for stdin); flags given as well override the file]:FILE:_files' \
'--image=[Odoo image, pinned to a tag or digest (default\: the operator'\''s)]:IMAGE:_default' \
'--replicas=[Web pods]:REPLICAS:_default' \
'--cron-replicas=[Cron pods (0 disables scheduled actions)]:CRON_REPLICAS:_default' \
'*--host=[Host name routed to the instance; repeat for several]:HOST:_default' \
'--storage-size=[Filestore volume size, e.g. 10Gi (default\: the operator'\''s)]:STORAGE_SIZE:_default' \
'--storage-class=[Filestore StorageClass (default\: the operator'\''s)]:STORAGE_CLASS:_default' \
'--cluster=[PostgreSQL cluster from the operator'\''s pg-clusters Secret (default\: the cluster marked default)]:CLUSTER:_default' \
'*--modules=[Modules installed at initialization, comma-separated]:MODULES:_default' \
'--deletion-policy=[What deletion does to the database and volume]:DELETION_POLICY:(retain delete)' \
'--environment=[The kind of environment]:ENVIRONMENT:(production staging development)' \
'--dry-run=[none\: create it; client\: print it without sending; server\: have the API server validate and default it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the created object (name by default)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the created object (name by default)]:OUTPUT:(table wide json yaml name)' \
'--timeout=[How long --wait waits (e.g. 90s, 5m)]:TIMEOUT:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--demo[Load demo data at initialization]' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--wait[Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (optional with -f when the file names it):_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'-l+[Only instances matching this label selector]:SELECTOR:_default' \
'--selector=[Only instances matching this label selector]:SELECTOR:_default' \
'-o+[Output format]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[List instances in every namespace]' \
'--all-namespaces[List instances in every namespace]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'-l+[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--selector=[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--max-parallel=[How many instances are worked on at once with -l or -A (default\: 1 for upgrade, all for status --for, 4 otherwise)]:N:_default' \
'--for=[Wait until the instance is \`ready\` (Running), \`terminal\` (settled\: Running, Stopped, Degraded, Uninitialized) or in the named phase; implies --watch. Exits 3 if it reaches a failed phase instead (Error, InitFailed, UpgradeFailed)]:ready|terminal|PHASE:_default' \
'--until=[Wait until the instance is \`ready\` (Running), \`terminal\` (settled\: Running, Stopped, Degraded, Uninitialized) or in the named phase; implies --watch. Exits 3 if it reaches a failed phase instead (Error, InitFailed, UpgradeFailed)]:ready|terminal|PHASE:_default' \
'--timeout=[Give up after this long (e.g. 5m); exit code 4]:TIMEOUT:_default' \
'-o+[Output format\: table (default), json or yaml; with --watch, json is one object per line]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format\: table (default), json or yaml; with --watch, json is one object per line]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--all-namespaces[Act on the instances of every namespace (all of them, or those -l matches)]' \
'-w[Follow changes until interrupted (or until --for is reached)]' \
'--watch[Follow changes until interrupted (or until --for is reached)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (or -l/-A for several\: a table, or with --for a wait for each):_default' \
&& ret=0
;;
(completion)
_arguments "${_arguments_options[@]}" : \
'--dir=[Directory to install \`kubectl_complete-odoo\` into (it must be on PATH)]:DIR:_files' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'()--install[Install \`kubectl_complete-odoo\`, which kubectl (1.26 and later) runs to complete \`kubectl odoo <TAB>\`\: next to this binary, or into --dir]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::shell -- The shell to print a completion script for:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format (table, json or yaml)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format (table, json or yaml)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--client[Print only the plugin'\''s version; do not contact the cluster]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
'-l+[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--selector=[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--max-parallel=[How many instances are worked on at once with -l or -A (default\: 1 for upgrade, all for status --for, 4 otherwise)]:N:_default' \
'--dry-run=[none\: stop it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME stopped\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME stopped\`)]:OUTPUT:(table wide json yaml name)' \
'--timeout=[How long --wait waits (e.g. 90s, 5m)]:TIMEOUT:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--all-namespaces[Act on the instances of every namespace (all of them, or those -l matches)]' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--wait[Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (or -l/-A to select several):_default' \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
'-l+[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--selector=[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--max-parallel=[How many instances are worked on at once with -l or -A (default\: 1 for upgrade, all for status --for, 4 otherwise)]:N:_default' \
'--replicas=[Web pods to start (default\: the replicas before \`kubectl odoo stop\`, else 1)]:N:_default' \
'--dry-run=[none\: start it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME started\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME started\`)]:OUTPUT:(table wide json yaml name)' \
'--timeout=[How long --wait waits (e.g. 90s, 5m)]:TIMEOUT:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--all-namespaces[Act on the instances of every namespace (all of them, or those -l matches)]' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--wait[Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (or -l/-A to select several):_default' \
&& ret=0
;;
(scale)
_arguments "${_arguments_options[@]}" : \
'--replicas=[Web pods (0 stops the instance, cron included)]:N:_default' \
'--cron-replicas=[Cron pods (0 disables scheduled actions)]:M:_default' \
'--dry-run=[none\: scale it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME scaled\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME scaled\`)]:OUTPUT:(table wide json yaml name)' \
'--timeout=[How long --wait waits (e.g. 90s, 5m)]:TIMEOUT:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--wait[Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
'--timeout=[With --wait\: give up after this long (e.g. 90s, 10m) and exit 4]:DURATION:_default' \
'--dry-run=[none\: delete it; client\: only say what would be deleted; server\: have the API server check the change and the deletion without doing them]::DRY_RUN:(none client server)' \
'-o+[Output format (table\: \`odoo/NAME deleted\`; name\: \`odoo/NAME\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format (table\: \`odoo/NAME deleted\`; name\: \`odoo/NAME\`)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--purge[Also destroy the data\: drop the database and its role and remove the filestore volume (deletionPolicy Delete). Asks you to type the name on a terminal]' \
'-y[With --purge\: do not ask. Required when not run from a terminal]' \
'--yes[With --purge\: do not ask. Required when not run from a terminal]' \
'--wait[Wait until the instance is gone (the operator'\''s cleanup has finished)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(events)
_arguments "${_arguments_options[@]}" : \
'*--types=[Only events of these types, comma-separated\: Normal, Warning]:TYPES:(Normal Warning)' \
'-o+[Output format (wide adds COUNT and FROM)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format (wide adds COUNT and FROM)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(upgrade)
_arguments "${_arguments_options[@]}" : \
'-l+[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--selector=[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--max-parallel=[How many instances are worked on at once with -l or -A (default\: 1 for upgrade, all for status --for, 4 otherwise)]:N:_default' \
'--image=[Target image, pinned to a tag or digest (the current image when omitted\: re-run module updates)]:IMAGE:_default' \
'*--modules=[Modules to update, comma-separated (every installed module when omitted)]:MODULES:_default' \
'--strategy=[Copy\: update a copy, switch to it only on success. InPlace\: update the live database (a failure halfway leaves it partly updated). The instance'\''s autoUpgrade.strategy when omitted]:STRATEGY:_default' \
'--at=[Start no earlier than this time (RFC 3339, e.g. 2026-12-01T02\:00\:00Z)]:AT:_default' \
'--timeout=[How long --wait waits (e.g. 30m)]:TIMEOUT:_default' \
'--dry-run=[none\: upgrade; client\: print the job without sending it; server\: have the API server validate it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the created job (table\: \`odooupgradejob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the created job (table\: \`odooupgradejob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--all-namespaces[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--maintenance[Stop the web pods during an InPlace upgrade instead of serving the old image (a Copy upgrade always stops them)]' \
'(--maintenance --drop-previous)--rehearse[Upgrade a copy of the running database and drop it\: no downtime, nothing changes on the instance; the outcome is recorded on it]' \
'--drop-previous[Drop the previous database and files once the upgraded copy is in place (kept as <database>_pre_upgrade_<time> by default)]' \
'-y[Upgrade several instances (-l, -A) without asking; needed when nobody can confirm at a terminal. One named instance is upgraded without asking]' \
'--yes[Upgrade several instances (-l, -A) without asking; needed when nobody can confirm at a terminal. One named instance is upgraded without asking]' \
'--wait[Follow the upgrade until it ends; exit 3 if it fails, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (or -l/-A to upgrade several, one at a time unless --max-parallel says more):_default' \
&& ret=0
;;
(backup)
_arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_kubectl-odoo__subcmd__backup_commands" \
"*::: :->backup" \
&& ret=0

    case $state in
    (backup)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-odoo-backup-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'-l+[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--selector=[Act on every instance whose labels match (e.g. tier=prod), instead of one named instance]:SELECTOR:_default' \
'--max-parallel=[How many instances are worked on at once with -l or -A (default\: 1 for upgrade, all for status --for, 4 otherwise)]:N:_default' \
'--format=[Archive format]:FORMAT:((zip\:"Odoo'\''s zip\: dump.sql, filestore/, manifest.json"
dump\:"pg_dump custom format (database only)"
sql\:"Plain SQL (database only)"))' \
'--s3-endpoint=[Endpoint URL of the S3-compatible service, e.g. https\://s3.eu-west-1.amazonaws.com]:URL:_default' \
'--bucket=[Bucket name]:BUCKET:_default' \
'--region=[Region of the bucket]:REGION:_default' \
'--credentials-secret=[Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY]:SECRET:_default' \
'--key=[Object key (or volume path) template; {namespace}, {instance}, {database}, {timestamp} and {ext} are replaced]:TEMPLATE:_default' \
'(--s3-endpoint --bucket --credentials-secret)--pvc=[Write to this PersistentVolumeClaim instead of S3]:CLAIM:_default' \
'--path=[Path template inside the volume (with --pvc)]:PATH:_default' \
'(--s3-endpoint --bucket --credentials-secret --pvc)--like=[Reuse the destination of this OdooBackupJob or OdooBackupSchedule]:BACKUPJOB_OR_SCHEDULE:_default' \
'--verify=[Check the stored backup before it counts as Succeeded]:VERIFY:((none\:"The report and the operator'\''s look at the stored object only"
archive\:"Read the stored archive back end to end (CRCs, SHA-256, manifest)"
restore\:"Also load it into a scratch database and compare row counts"))' \
'--timeout=[How long --wait waits (e.g. 30m)]:TIMEOUT:_default' \
'--dry-run=[none\: create; client\: print the job without sending it; server\: have the API server validate it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the created job (table\: \`odoobackupjob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the created job (table\: \`odoobackupjob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-A[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--all-namespaces[Act on the instances of every namespace (all of them, or those -l matches)]' \
'--no-filestore[Leave the filestore out (database only)]' \
'--s3-insecure-skip-tls-verify[Skip TLS certificate verification (test setups with self-signed certificates)]' \
'--wait[Follow the backup until it ends; exit 3 if it fails, 4 on timeout]' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Name of the instance (or -l/-A to select several):_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'()--from-s3=[List what this bucket'\''s index records (s3\://BUCKET\[/PREFIX\], with --s3-endpoint and --credentials-secret), not the cluster'\''s backups\: works with no backup resource left, after a namespace or cluster is lost]:s3://BUCKET[/PREFIX]:_default' \
'--instance=[With --from-s3\: only the archives of this instance, as NAMESPACE/NAME]:NAMESPACE/NAME:_default' \
'--s3-endpoint=[Endpoint URL of the S3-compatible service, e.g. https\://s3.eu-west-1.amazonaws.com]:URL:_default' \
'--bucket=[Bucket name]:BUCKET:_default' \
'--region=[Region of the bucket]:REGION:_default' \
'--credentials-secret=[Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY]:SECRET:_default' \
'-o+[Output format]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'(--from-s3)-A[List the backups of every namespace]' \
'(--from-s3)--all-namespaces[List the backups of every namespace]' \
'--s3-insecure-skip-tls-verify[Skip TLS certificate verification (test setups with self-signed certificates)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::instance -- Only the backups of this instance:_default' \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
'()-l+[Only instances matching this label selector]:SELECTOR:_default' \
'()--selector=[Only instances matching this label selector]:SELECTOR:_default' \
'--max-age=[The oldest a backup may be\: 26h, 90m, 7d]:MAX_AGE:_default' \
'-o+[Output format of the stale instances]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the stale instances]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'()-A[Check the instances of every namespace]' \
'()--all-namespaces[Check the instances of every namespace]' \
'--verified[Only a backup whose verification passed counts]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::instance -- The instance to check; without it, every instance of the namespace (or those -l selects, or -A every namespace'\''s):_default' \
&& ret=0
;;
(describe)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format\: table (the description), json or yaml (the resource and its events)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format\: table (the description), json or yaml (the resource and its events)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the OdooBackupJob:_default' \
&& ret=0
;;
(download)
_arguments "${_arguments_options[@]}" : \
'()--file=[The file to write, as a flag (the same as FILE)]:FILE:_files' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--force[Overwrite the file if it exists]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the OdooBackupJob:_default' \
'::file -- File to write (`-` for stdout); the object'\''s file name in the current directory by default:_files' \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
'--name=[Name of the schedule (default\: the instance'\''s name)]:NAME:_default' \
'--cron=[Cron expression, e.g. "0 3 * * *" (required when creating)]:EXPR:_default' \
'--time-zone=[IANA time zone of the cron expression, e.g. Europe/Brussels (UTC by default)]:TZ:_default' \
'--keep-last=[How many of the newest succeeded backups to keep (pruned ones are deleted with their archives; the newest verified and held ones always stay)]:N:_default' \
'--keep-daily=[Also keep the newest backup of each of the last N days that have one]:N:_default' \
'--keep-weekly=[… of each of the last N ISO weeks]:N:_default' \
'--keep-monthly=[… of each of the last N months]:N:_default' \
'--keep-yearly=[… of each of the last N years]:N:_default' \
'--max-age=[Keep succeeded backups younger than this even beyond --keep-last (e.g. 30d)]:DURATION:_default' \
'--suspend=[Suspend the schedule (--suspend=false resumes it)]::BOOL:(true false)' \
'--format=[Archive format]:FORMAT:((zip\:"Odoo'\''s zip\: dump.sql, filestore/, manifest.json"
dump\:"pg_dump custom format (database only)"
sql\:"Plain SQL (database only)"))' \
'--verify=[Check the stored backups before they count as Succeeded]:VERIFY:((none\:"The report and the operator'\''s look at the stored object only"
archive\:"Read the stored archive back end to end (CRCs, SHA-256, manifest)"
restore\:"Also load it into a scratch database and compare row counts"))' \
'--verify-every=[Verify only every Nth backup (with --verify'\''s method)]:N:_default' \
'--s3-endpoint=[Endpoint URL of the S3-compatible service, e.g. https\://s3.eu-west-1.amazonaws.com]:URL:_default' \
'--bucket=[Bucket name]:BUCKET:_default' \
'--region=[Region of the bucket]:REGION:_default' \
'--credentials-secret=[Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY]:SECRET:_default' \
'--key=[Object key (or volume path) template; {namespace}, {instance}, {database}, {timestamp} and {ext} are replaced]:TEMPLATE:_default' \
'(--s3-endpoint --bucket --credentials-secret)--pvc=[Write to this PersistentVolumeClaim instead of S3]:CLAIM:_default' \
'--path=[Path template inside the volume (with --pvc)]:PATH:_default' \
'(--s3-endpoint --bucket --credentials-secret --pvc)--like=[Reuse the destination of this OdooBackupJob or OdooBackupSchedule]:BACKUPJOB_OR_SCHEDULE:_default' \
'--dry-run=[none\: apply; client\: print the schedule without sending it; server\: have the API server validate it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the schedule (table\: \`odoobackupschedule/NAME configured\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the schedule (table\: \`odoobackupschedule/NAME configured\`)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--no-filestore[Leave the filestore out (database only)]' \
'--s3-insecure-skip-tls-verify[Skip TLS certificate verification (test setups with self-signed certificates)]' \
'-y[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'--yes[Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':instance -- Name of the instance to back up:_default' \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
'--timeout=[How long to wait for the operator to delete the archive (e.g. 5m, 90s)]:DURATION:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--keep-archive[Keep the archive in storage; delete the resource only]' \
'-y[Do not ask for confirmation (required when no one can answer a prompt)]' \
'--yes[Do not ask for confirmation (required when no one can answer a prompt)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the OdooBackupJob:_default' \
&& ret=0
;;
(orphans)
_arguments "${_arguments_options[@]}" : \
'--from-s3=[Also the bucket, and the prefix its archives and index sit under]:s3://BUCKET[/PREFIX]:_default' \
'--operator-namespace=[Namespace of the operator, whose database census is read]:NAMESPACE:_default' \
'--s3-endpoint=[Endpoint URL of the S3-compatible service, e.g. https\://s3.eu-west-1.amazonaws.com]:URL:_default' \
'--bucket=[Bucket name]:BUCKET:_default' \
'--region=[Region of the bucket]:REGION:_default' \
'--credentials-secret=[Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY]:SECRET:_default' \
'-o+[Output format]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--s3-insecure-skip-tls-verify[Skip TLS certificate verification (test setups with self-signed certificates)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-odoo__subcmd__backup__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-odoo-backup-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(describe)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(download)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(orphans)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(restore)
_arguments "${_arguments_options[@]}" : \
'(--latest-of --from-s3 --from-file)--from-backup=[Restore this OdooBackupJob]:BACKUPJOB:_default' \
'--latest-of=[Restore the latest successful backup of this instance (the newest verified one when there is one). With --from-s3 s3\://BUCKET\[/PREFIX\]\: of NAMESPACE/NAME as the bucket'\''s index records it, with no backup resource needed]:INSTANCE:_default' \
'--from-s3=[Restore this S3 object (with --s3-endpoint and --credentials-secret), or, with --latest-of, the newest backup the bucket records]:s3://BUCKET/KEY:_default' \
'(--latest-of --from-s3)--from-file=[Upload this local archive (an Odoo backup zip, a pg dump or SQL) to S3, then restore it. The bucket is the instance'\''s newest backup destination unless the S3 flags name one]:FILE:_files' \
'--s3-endpoint=[Endpoint URL of the S3-compatible service, e.g. https\://s3.eu-west-1.amazonaws.com]:URL:_default' \
'--bucket=[Bucket name]:BUCKET:_default' \
'--region=[Region of the bucket]:REGION:_default' \
'--credentials-secret=[Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY]:SECRET:_default' \
'--sha256=[Expected SHA-256 of the archive (hex)]:HEX:_default' \
'--into=[Restore into a new instance of this name, with NAME'\''s spec (and no initialization), instead of replacing NAME'\''s database]:NEWNAME:_default' \
'--mode=[copy\: a duplicate with a new database identity; move\: keep the identity]:MODE:(copy move)' \
'--timeout=[How long --wait waits (e.g. 1h)]:TIMEOUT:_default' \
'--dry-run=[none\: restore; client\: print the job without sending it (nothing uploaded); server\: have the API server validate it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the created job (table\: \`odoorestorejob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the created job (table\: \`odoorestorejob/NAME created\`)]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--s3-insecure-skip-tls-verify[Skip TLS certificate verification (test setups with self-signed certificates)]' \
'--neutralize[Neutralize the restored database (no outgoing mail, crons or payments)]' \
'--drop-previous[Drop the replaced database after the switch instead of keeping it]' \
'-y[Do not ask for confirmation (required when no one can answer a prompt)]' \
'--yes[Do not ask for confirmation (required when no one can answer a prompt)]' \
'--wait[Follow the restore until it ends; exit 3 if it fails, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- The instance restored into (with --into\: the instance whose spec is copied):_default' \
&& ret=0
;;
(migrate-cluster)
_arguments "${_arguments_options[@]}" : \
'--to=[Target PostgreSQL cluster (a name from the operator'\''s pg-clusters Secret)]:CLUSTER:_default' \
'--timeout=[How long --wait waits (e.g. 2h)]:TIMEOUT:_default' \
'--dry-run=[none\: migrate; client\: print the migration without sending it; server\: have the API server validate it without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the created migration]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the created migration]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--drop-source-after[Drop the source database once the instance runs on the target]' \
'-y[Do not ask for confirmation (required when no one can answer a prompt)]' \
'--yes[Do not ask for confirmation (required when no one can answer a prompt)]' \
'--wait[Follow the migration until it ends; exit 3 if it fails or rolls back, 4 on timeout]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(logs)
_arguments "${_arguments_options[@]}" : \
'(--component)--job=[The pods of this job resource instead\: backup/NAME, restore/NAME, upgrade/NAME, init/NAME (or the full kind, e.g. odoobackupjob/NAME)]:KIND/NAME:_default' \
'--component=[Only the pods of this component]:COMPONENT:(web cron)' \
'--tail=[Lines of recent log to show per pod (all when unset)]:N:_default' \
'--since=[Only lines newer than this (e.g. 10m)]:DURATION:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-f[Keep streaming new lines]' \
'--follow[Keep streaming new lines]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
'--operator-namespace=[Namespace of the operator and its pg-clusters Secret]:NAMESPACE:_default' \
'-o+[Output format\: table (✓/✗ lines) or json/yaml]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format\: table (✓/✗ lines) or json/yaml]:OUTPUT:(table wide json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(report)
_arguments "${_arguments_options[@]}" : \
'()--file=[The zip file to write, as a flag (the same as FILE.zip)]:FILE.zip:_files' \
'--operator-namespace=[Namespace of the operator, whose logs are included]:NAMESPACE:_default' \
'--log-lines=[Log lines per pod]:N:_default' \
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--no-redact[Keep Secret values (they are replaced by REDACTED by default)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
'::file -- Zip file to write (default\: odoo-report-NAME-TIMESTAMP.zip):_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-odoo__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-odoo-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completion)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(scale)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(events)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(upgrade)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(backup)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-odoo__subcmd__help__subcmd__backup_commands" \
"*::: :->backup" \
&& ret=0

    case $state in
    (backup)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-odoo-help-backup-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(describe)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(download)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(orphans)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(restore)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(migrate-cluster)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(logs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(report)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_kubectl-odoo_commands] )) ||
_kubectl-odoo_commands() {
    local commands; commands=(
'create:Create an Odoo instance from flags or a file' \
'list:List Odoo instances' \
'status:Show an instance'\''s phase, conditions, children and warnings; --watch follows them live, --for waits with a truthful exit code' \
'completion:Print a shell completion script (bash, zsh or fish)' \
'version:Print the plugin, operator and CRD versions and warn about skew' \
'stop:Stop an instance\: web (and with it cron) to zero, remembering the replicas' \
'start:Start a stopped instance with the replicas it had before kubectl odoo stop' \
'scale:Set the web and cron replicas of an instance' \
'delete:Delete an instance; its database and volume are kept unless --purge' \
'events:Show the Kubernetes events of an instance and its children' \
'upgrade:Upgrade an instance'\''s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code' \
'backup:Back up instances, list, inspect, download and delete backups, and schedule them' \
'restore:Restore a backup into an instance (or a new copy of it), after showing the plan; --wait follows the restore' \
'migrate-cluster:Move an instance'\''s database to another PostgreSQL cluster (an OdooClusterMigration); --wait follows its steps' \
'logs:Print the logs of an instance'\''s pods or of a job'\''s pods; -f follows them' \
'doctor:Check the CRDs, your RBAC, the operator and the pg-clusters Secret' \
'report:Write a support bundle (zip) of an instance\: objects, events, logs; Secret values redacted' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup_commands] )) ||
_kubectl-odoo__subcmd__backup_commands() {
    local commands; commands=(
'create:Back up an instance now (an OdooBackupJob); --wait follows it' \
'list:List backups, newest first' \
'check:Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI' \
'describe:Show a backup'\''s outcome\: location, size, checksum, versions, duration, events' \
'download:Download a backup'\''s archive from S3, verifying its checksum' \
'schedule:Create or update a backup schedule (an OdooBackupSchedule) of an instance' \
'delete:Delete a backup and its archive (--keep-archive keeps the archive)' \
'orphans:Databases no instance owns (the operator'\''s census) and, with --from-s3, archives no backup resource records' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo backup commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__check_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup check commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__create_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup create commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__delete_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup delete commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__describe_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__describe_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup describe commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__download_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__download_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup download commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help_commands() {
    local commands; commands=(
'create:Back up an instance now (an OdooBackupJob); --wait follows it' \
'list:List backups, newest first' \
'check:Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI' \
'describe:Show a backup'\''s outcome\: location, size, checksum, versions, duration, events' \
'download:Download a backup'\''s archive from S3, verifying its checksum' \
'schedule:Create or update a backup schedule (an OdooBackupSchedule) of an instance' \
'delete:Delete a backup and its archive (--keep-archive keeps the archive)' \
'orphans:Databases no instance owns (the operator'\''s census) and, with --from-s3, archives no backup resource records' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo backup help commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__check_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help check commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__create_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help create commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__delete_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help delete commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__describe_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__describe_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help describe commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__download_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__download_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help download commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__help_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help help commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__list_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help list commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__orphans_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__orphans_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help orphans commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__schedule_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__help__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup help schedule commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__list_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup list commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__orphans_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__orphans_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup orphans commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__backup__subcmd__schedule_commands] )) ||
_kubectl-odoo__subcmd__backup__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo backup schedule commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__completion_commands] )) ||
_kubectl-odoo__subcmd__completion_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo completion commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__create_commands] )) ||
_kubectl-odoo__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo create commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__delete_commands] )) ||
_kubectl-odoo__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo delete commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__doctor_commands] )) ||
_kubectl-odoo__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo doctor commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__events_commands] )) ||
_kubectl-odoo__subcmd__events_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo events commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help_commands] )) ||
_kubectl-odoo__subcmd__help_commands() {
    local commands; commands=(
'create:Create an Odoo instance from flags or a file' \
'list:List Odoo instances' \
'status:Show an instance'\''s phase, conditions, children and warnings; --watch follows them live, --for waits with a truthful exit code' \
'completion:Print a shell completion script (bash, zsh or fish)' \
'version:Print the plugin, operator and CRD versions and warn about skew' \
'stop:Stop an instance\: web (and with it cron) to zero, remembering the replicas' \
'start:Start a stopped instance with the replicas it had before kubectl odoo stop' \
'scale:Set the web and cron replicas of an instance' \
'delete:Delete an instance; its database and volume are kept unless --purge' \
'events:Show the Kubernetes events of an instance and its children' \
'upgrade:Upgrade an instance'\''s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code' \
'backup:Back up instances, list, inspect, download and delete backups, and schedule them' \
'restore:Restore a backup into an instance (or a new copy of it), after showing the plan; --wait follows the restore' \
'migrate-cluster:Move an instance'\''s database to another PostgreSQL cluster (an OdooClusterMigration); --wait follows its steps' \
'logs:Print the logs of an instance'\''s pods or of a job'\''s pods; -f follows them' \
'doctor:Check the CRDs, your RBAC, the operator and the pg-clusters Secret' \
'report:Write a support bundle (zip) of an instance\: objects, events, logs; Secret values redacted' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo help commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup_commands() {
    local commands; commands=(
'create:Back up an instance now (an OdooBackupJob); --wait follows it' \
'list:List backups, newest first' \
'check:Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI' \
'describe:Show a backup'\''s outcome\: location, size, checksum, versions, duration, events' \
'download:Download a backup'\''s archive from S3, verifying its checksum' \
'schedule:Create or update a backup schedule (an OdooBackupSchedule) of an instance' \
'delete:Delete a backup and its archive (--keep-archive keeps the archive)' \
'orphans:Databases no instance owns (the operator'\''s census) and, with --from-s3, archives no backup resource records' \
    )
    _describe -t commands 'kubectl-odoo help backup commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__check_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup check commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__create_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup create commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__delete_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup delete commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__describe_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__describe_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup describe commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__download_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__download_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup download commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__list_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup list commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__orphans_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__orphans_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup orphans commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__schedule_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__backup__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help backup schedule commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__completion_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__completion_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help completion commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__create_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help create commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__delete_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help delete commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__doctor_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help doctor commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__events_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__events_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help events commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__help_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help help commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__list_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help list commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__logs_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help logs commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__migrate-cluster_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__migrate-cluster_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help migrate-cluster commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__report_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__report_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help report commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__restore_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help restore commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__scale_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__scale_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help scale commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__start_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help start commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__status_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help status commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__stop_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help stop commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__upgrade_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__upgrade_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help upgrade commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__help__subcmd__version_commands] )) ||
_kubectl-odoo__subcmd__help__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo help version commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__list_commands] )) ||
_kubectl-odoo__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo list commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__logs_commands] )) ||
_kubectl-odoo__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo logs commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__migrate-cluster_commands] )) ||
_kubectl-odoo__subcmd__migrate-cluster_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo migrate-cluster commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__report_commands] )) ||
_kubectl-odoo__subcmd__report_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo report commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__restore_commands] )) ||
_kubectl-odoo__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo restore commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__scale_commands] )) ||
_kubectl-odoo__subcmd__scale_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo scale commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__start_commands] )) ||
_kubectl-odoo__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo start commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__status_commands] )) ||
_kubectl-odoo__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo status commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__stop_commands] )) ||
_kubectl-odoo__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo stop commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__upgrade_commands] )) ||
_kubectl-odoo__subcmd__upgrade_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo upgrade commands' commands "$@"
}
(( $+functions[_kubectl-odoo__subcmd__version_commands] )) ||
_kubectl-odoo__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-odoo version commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-odoo" ]; then
    _kubectl-odoo "$@"
else
    compdef _kubectl-odoo kubectl-odoo
fi
