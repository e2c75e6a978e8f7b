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
'--kubeconfig=[Path to the kubeconfig file (default\: \$KUBECONFIG, then ~/.kube/config)]:PATH:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--namespace=[The namespace (default\: the context'\''s namespace, then "default")]:NAME:_default' \
'--request-timeout=[How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit]:DURATION:_default' \
'--color=[When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto]:COLOR:(auto always never)' \
'-v+[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--v=[Log verbosity (0-9), as with kubectl]:LEVEL:_default' \
'--demo[Load demo data at initialization]' \
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
'--until=[Wait until the instance is \`ready\` (Running) or in the named phase; implies --watch. Exits 1 if it fails instead (Error, InitFailed, UpgradeFailed)]:ready|PHASE:_default' \
'--timeout=[Give up after this long (e.g. 5m); exit code 5]:TIMEOUT:_default' \
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
'-w[Follow changes until interrupted (or until --until is reached)]' \
'--watch[Follow changes until interrupted (or until --until is reached)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
&& ret=0
;;
(completion)
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
':shell -- The shell to print a completion script for:(bash elvish fish powershell zsh)' \
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
'--dry-run=[none\: stop it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME stopped\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME stopped\`)]:OUTPUT:(table wide json yaml name)' \
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
(start)
_arguments "${_arguments_options[@]}" : \
'--replicas=[Web pods to start (default\: the replicas before \`kubectl odoo stop\`, else 1)]:N:_default' \
'--dry-run=[none\: start it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME started\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME started\`)]:OUTPUT:(table wide json yaml name)' \
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
(scale)
_arguments "${_arguments_options[@]}" : \
'--replicas=[Web pods (0 stops the instance, cron included)]:N:_default' \
'--cron-replicas=[Cron pods (0 disables scheduled actions)]:M:_default' \
'--dry-run=[none\: scale it; client\: print the change without sending it; server\: have the API server validate the change without storing it]::DRY_RUN:(none client server)' \
'-o+[Output format of the changed object (table\: \`odoo/NAME scaled\`)]:OUTPUT:(table wide json yaml name)' \
'--output=[Output format of the changed object (table\: \`odoo/NAME scaled\`)]:OUTPUT:(table wide json yaml name)' \
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
(delete)
_arguments "${_arguments_options[@]}" : \
'--timeout=[With --wait\: give up after this long (e.g. 90s, 10m) and exit 1]:DURATION:_default' \
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
'--image=[Target image, pinned to a tag or digest (the current image when omitted\: re-run module updates)]:IMAGE:_default' \
'*--modules=[Modules to update, comma-separated (every installed module when omitted)]:MODULES:_default' \
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
'--maintenance[Stop the web pods during the upgrade instead of serving the old image]' \
'--wait[Follow the upgrade until it ends; exit 1 if it fails]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Name of the instance:_default' \
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
'status:Show an instance'\''s phase, conditions, children and warnings; --watch follows them live, --until waits with a truthful exit code' \
'completion:Print a shell completion script (bash, zsh or fish)' \
'version:Print the plugin, operator and CRD versions and warn about skew' \
'stop:Stop an instance\: web (and with it cron) to zero, remembering the replicas' \
'start:Start a stopped instance with the replicas it had before kubectl odoo stop' \
'scale:Set the web and cron replicas of an instance' \
'delete:Delete an instance; its database and volume are kept unless --purge' \
'events:Show the Kubernetes events of an instance and its children' \
'upgrade:Upgrade an instance'\''s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo commands' commands "$@"
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
'status:Show an instance'\''s phase, conditions, children and warnings; --watch follows them live, --until waits with a truthful exit code' \
'completion:Print a shell completion script (bash, zsh or fish)' \
'version:Print the plugin, operator and CRD versions and warn about skew' \
'stop:Stop an instance\: web (and with it cron) to zero, remembering the replicas' \
'start:Start a stopped instance with the replicas it had before kubectl odoo stop' \
'scale:Set the web and cron replicas of an instance' \
'delete:Delete an instance; its database and volume are kept unless --purge' \
'events:Show the Kubernetes events of an instance and its children' \
'upgrade:Upgrade an instance'\''s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-odoo help commands' commands "$@"
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
