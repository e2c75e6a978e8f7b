# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_odoo_global_optspecs
    string join \n kubeconfig= context= n/namespace= request-timeout= color= v/v= h/help V/version
end

function __fish_kubectl_odoo_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_odoo_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_odoo_using_subcommand
    set -l cmd (__fish_kubectl_odoo_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "create" -d 'Create an Odoo instance from flags or a file'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "list" -d 'List Odoo instances'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "status" -d 'Show an instance\'s phase, conditions, children and warnings; --watch follows them live, --for waits with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh or fish)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "version" -d 'Print the plugin, operator and CRD versions and warn about skew'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "stop" -d 'Stop an instance: web (and with it cron) to zero, remembering the replicas'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "start" -d 'Start a stopped instance with the replicas it had before kubectl odoo stop'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "scale" -d 'Set the web and cron replicas of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "delete" -d 'Delete an instance; its database and volume are kept unless --purge'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "events" -d 'Show the Kubernetes events of an instance and its children'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "upgrade" -d 'Upgrade an instance\'s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "backup" -d 'Back up instances, list, inspect, download and delete backups, and schedule them'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "restore" -d 'Restore a backup into an instance (or a new copy of it), after showing the plan; --wait follows the restore'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "migrate-cluster" -d 'Move an instance\'s database to another PostgreSQL cluster (an OdooClusterMigration); --wait follows its steps'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "logs" -d 'Print the logs of an instance\'s pods or of a job\'s pods; -f follows them'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "doctor" -d 'Check the CRDs, your RBAC, the operator and the pg-clusters Secret'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "report" -d 'Write a support bundle (zip) of an instance: objects, events, logs; Secret values redacted'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s f -l filename -d 'Read the OdooInstance from this YAML or JSON file ("-" for stdin); flags given as well override the file' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l image -d 'Odoo image, pinned to a tag or digest (default: the operator\'s)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l replicas -d 'Web pods' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l cron-replicas -d 'Cron pods (0 disables scheduled actions)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l host -d 'Host name routed to the instance; repeat for several' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l storage-size -d 'Filestore volume size, e.g. 10Gi (default: the operator\'s)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l storage-class -d 'Filestore StorageClass (default: the operator\'s)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l cluster -d 'PostgreSQL cluster from the operator\'s pg-clusters Secret (default: the cluster marked default)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l modules -d 'Modules installed at initialization, comma-separated' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l deletion-policy -d 'What deletion does to the database and volume' -r -f -a "retain\t''
delete\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l environment -d 'The kind of environment' -r -f -a "production\t''
staging\t''
development\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l dry-run -d 'none: create it; client: print it without sending; server: have the API server validate and default it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s o -l output -d 'Output format of the created object (name by default)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l timeout -d 'How long --wait waits (e.g. 90s, 5m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l demo -d 'Load demo data at initialization'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l wait -d 'Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s l -l selector -d 'Only instances matching this label selector' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s A -l all-namespaces -d 'List instances in every namespace'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand list" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s l -l selector -d 'Act on every instance whose labels match (e.g. tier=prod), instead of one named instance' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l max-parallel -d 'How many instances are worked on at once with -l or -A (default: 1 for upgrade, all for status --for, 4 otherwise)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l for -l until -d 'Wait until the instance is `ready` (Running), `terminal` (settled: Running, Stopped, Degraded, Uninitialized) or in the named phase; implies --watch. Exits 3 if it reaches a failed phase instead (Error, InitFailed, UpgradeFailed)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l timeout -d 'Give up after this long (e.g. 5m); exit code 4' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s o -l output -d 'Output format: table (default), json or yaml; with --watch, json is one object per line' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s A -l all-namespaces -d 'Act on the instances of every namespace (all of them, or those -l matches)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s w -l watch -d 'Follow changes until interrupted (or until --for is reached)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l dir -d 'Directory to install `kubectl_complete-odoo` into (it must be on PATH)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l install -d 'Install `kubectl_complete-odoo`, which kubectl (1.26 and later) runs to complete `kubectl odoo <TAB>`: next to this binary, or into --dir'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -s o -l output -d 'Output format (table, json or yaml)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -l client -d 'Print only the plugin\'s version; do not contact the cluster'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s l -l selector -d 'Act on every instance whose labels match (e.g. tier=prod), instead of one named instance' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l max-parallel -d 'How many instances are worked on at once with -l or -A (default: 1 for upgrade, all for status --for, 4 otherwise)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l dry-run -d 'none: stop it; client: print the change without sending it; server: have the API server validate the change without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s o -l output -d 'Output format of the changed object (table: `odoo/NAME stopped`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l timeout -d 'How long --wait waits (e.g. 90s, 5m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s A -l all-namespaces -d 'Act on the instances of every namespace (all of them, or those -l matches)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l wait -d 'Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s l -l selector -d 'Act on every instance whose labels match (e.g. tier=prod), instead of one named instance' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l max-parallel -d 'How many instances are worked on at once with -l or -A (default: 1 for upgrade, all for status --for, 4 otherwise)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l replicas -d 'Web pods to start (default: the replicas before `kubectl odoo stop`, else 1)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l dry-run -d 'none: start it; client: print the change without sending it; server: have the API server validate the change without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s o -l output -d 'Output format of the changed object (table: `odoo/NAME started`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l timeout -d 'How long --wait waits (e.g. 90s, 5m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s A -l all-namespaces -d 'Act on the instances of every namespace (all of them, or those -l matches)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l wait -d 'Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l replicas -d 'Web pods (0 stops the instance, cron included)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l cron-replicas -d 'Cron pods (0 disables scheduled actions)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l dry-run -d 'none: scale it; client: print the change without sending it; server: have the API server validate the change without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s o -l output -d 'Output format of the changed object (table: `odoo/NAME scaled`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l timeout -d 'How long --wait waits (e.g. 90s, 5m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l wait -d 'Follow the instance live until the change took effect; exit 3 if it reaches a failed phase, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l timeout -d 'With --wait: give up after this long (e.g. 90s, 10m) and exit 4' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l dry-run -d 'none: delete it; client: only say what would be deleted; server: have the API server check the change and the deletion without doing them' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s o -l output -d 'Output format (table: `odoo/NAME deleted`; name: `odoo/NAME`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l purge -d 'Also destroy the data: drop the database and its role and remove the filestore volume (deletionPolicy Delete). Asks you to type the name on a terminal'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s y -l yes -d 'With --purge: do not ask. Required when not run from a terminal'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l wait -d 'Wait until the instance is gone (the operator\'s cleanup has finished)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -l types -d 'Only events of these types, comma-separated: Normal, Warning' -r -f -a "Normal\t''
Warning\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -s o -l output -d 'Output format (wide adds COUNT and FROM)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand events" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s l -l selector -d 'Act on every instance whose labels match (e.g. tier=prod), instead of one named instance' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l max-parallel -d 'How many instances are worked on at once with -l or -A (default: 1 for upgrade, all for status --for, 4 otherwise)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l image -d 'Target image, pinned to a tag or digest (the current image when omitted: re-run module updates)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l modules -d 'Modules to update, comma-separated (every installed module when omitted)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l strategy -d 'Copy: update a copy, switch to it only on success. InPlace: update the live database (a failure halfway leaves it partly updated). The instance\'s autoUpgrade.strategy when omitted' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l at -d 'Start no earlier than this time (RFC 3339, e.g. 2026-12-01T02:00:00Z)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l timeout -d 'How long --wait waits (e.g. 30m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l dry-run -d 'none: upgrade; client: print the job without sending it; server: have the API server validate it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s o -l output -d 'Output format of the created job (table: `odooupgradejob/NAME created`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s A -l all-namespaces -d 'Act on the instances of every namespace (all of them, or those -l matches)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l maintenance -d 'Stop the web pods during an InPlace upgrade instead of serving the old image (a Copy upgrade always stops them)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l rehearse -d 'Upgrade a copy of the running database and drop it: no downtime, nothing changes on the instance; the outcome is recorded on it'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l drop-previous -d 'Drop the previous database and files once the upgraded copy is in place (kept as <database>_pre_upgrade_<time> by default)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s y -l yes -d 'Upgrade several instances (-l, -A) without asking; needed when nobody can confirm at a terminal. One named instance is upgraded without asking'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l wait -d 'Follow the upgrade until it ends; exit 3 if it fails, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "create" -d 'Back up an instance now (an OdooBackupJob); --wait follows it'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "list" -d 'List backups, newest first'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "check" -d 'Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "describe" -d 'Show a backup\'s outcome: location, size, checksum, versions, duration, events'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "download" -d 'Download a backup\'s archive from S3, verifying its checksum'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "schedule" -d 'Create or update a backup schedule (an OdooBackupSchedule) of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "delete" -d 'Delete a backup and its archive (--keep-archive keeps the archive)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "orphans" -d 'Databases no instance owns (the operator\'s census) and, with --from-s3, archives no backup resource records'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and not __fish_seen_subcommand_from create list check describe download schedule delete orphans help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s l -l selector -d 'Act on every instance whose labels match (e.g. tier=prod), instead of one named instance' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l max-parallel -d 'How many instances are worked on at once with -l or -A (default: 1 for upgrade, all for status --for, 4 otherwise)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l format -d 'Archive format' -r -f -a "zip\t'Odoo\'s zip: dump.sql, filestore/, manifest.json'
dump\t'pg_dump custom format (database only)'
sql\t'Plain SQL (database only)'"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l s3-endpoint -d 'Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l bucket -d 'Bucket name' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l region -d 'Region of the bucket' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l credentials-secret -d 'Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l key -d 'Object key (or volume path) template; {namespace}, {instance}, {database}, {timestamp} and {ext} are replaced' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l pvc -d 'Write to this PersistentVolumeClaim instead of S3' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l path -d 'Path template inside the volume (with --pvc)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l like -d 'Reuse the destination of this OdooBackupJob or OdooBackupSchedule' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l verify -d 'Check the stored backup before it counts as Succeeded' -r -f -a "none\t'The report and the operator\'s look at the stored object only'
archive\t'Read the stored archive back end to end (CRCs, SHA-256, manifest)'
restore\t'Also load it into a scratch database and compare row counts'"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l timeout -d 'How long --wait waits (e.g. 30m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l dry-run -d 'none: create; client: print the job without sending it; server: have the API server validate it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format of the created job (table: `odoobackupjob/NAME created`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s A -l all-namespaces -d 'Act on the instances of every namespace (all of them, or those -l matches)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l no-filestore -d 'Leave the filestore out (database only)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l s3-insecure-skip-tls-verify -d 'Skip TLS certificate verification (test setups with self-signed certificates)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -l wait -d 'Follow the backup until it ends; exit 3 if it fails, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l from-s3 -d 'List what this bucket\'s index records (s3://BUCKET[/PREFIX], with --s3-endpoint and --credentials-secret), not the cluster\'s backups: works with no backup resource left, after a namespace or cluster is lost' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l instance -d 'With --from-s3: only the archives of this instance, as NAMESPACE/NAME' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l s3-endpoint -d 'Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l bucket -d 'Bucket name' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l region -d 'Region of the bucket' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l credentials-secret -d 'Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s A -l all-namespaces -d 'List the backups of every namespace'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -l s3-insecure-skip-tls-verify -d 'Skip TLS certificate verification (test setups with self-signed certificates)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s l -l selector -d 'Only instances matching this label selector' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l max-age -d 'The oldest a backup may be: 26h, 90m, 7d' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format of the stale instances' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s A -l all-namespaces -d 'Check the instances of every namespace'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -l verified -d 'Only a backup whose verification passed counts'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format: table (the description), json or yaml (the resource and its events)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l file -d 'The file to write, as a flag (the same as FILE)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -l force -d 'Overwrite the file if it exists'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from download" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l name -d 'Name of the schedule (default: the instance\'s name)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l cron -d 'Cron expression, e.g. "0 3 * * *" (required when creating)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l time-zone -d 'IANA time zone of the cron expression, e.g. Europe/Brussels (UTC by default)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l keep-last -d 'How many of the newest succeeded backups to keep (pruned ones are deleted with their archives; the newest verified and held ones always stay)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l keep-daily -d 'Also keep the newest backup of each of the last N days that have one' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l keep-weekly -d '… of each of the last N ISO weeks' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l keep-monthly -d '… of each of the last N months' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l keep-yearly -d '… of each of the last N years' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l max-age -d 'Keep succeeded backups younger than this even beyond --keep-last (e.g. 30d)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l suspend -d 'Suspend the schedule (--suspend=false resumes it)' -r -f -a "true\t''
false\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l format -d 'Archive format' -r -f -a "zip\t'Odoo\'s zip: dump.sql, filestore/, manifest.json'
dump\t'pg_dump custom format (database only)'
sql\t'Plain SQL (database only)'"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l verify -d 'Check the stored backups before they count as Succeeded' -r -f -a "none\t'The report and the operator\'s look at the stored object only'
archive\t'Read the stored archive back end to end (CRCs, SHA-256, manifest)'
restore\t'Also load it into a scratch database and compare row counts'"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l verify-every -d 'Verify only every Nth backup (with --verify\'s method)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l s3-endpoint -d 'Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l bucket -d 'Bucket name' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l region -d 'Region of the bucket' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l credentials-secret -d 'Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l key -d 'Object key (or volume path) template; {namespace}, {instance}, {database}, {timestamp} and {ext} are replaced' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l pvc -d 'Write to this PersistentVolumeClaim instead of S3' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l path -d 'Path template inside the volume (with --pvc)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l like -d 'Reuse the destination of this OdooBackupJob or OdooBackupSchedule' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l dry-run -d 'none: apply; client: print the schedule without sending it; server: have the API server validate it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s o -l output -d 'Output format of the schedule (table: `odoobackupschedule/NAME configured`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l no-filestore -d 'Leave the filestore out (database only)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -l s3-insecure-skip-tls-verify -d 'Skip TLS certificate verification (test setups with self-signed certificates)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s y -l yes -d 'Asks nothing; accepted as on the commands that do ask, so a script can pass --yes to every command that changes something'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from schedule" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l timeout -d 'How long to wait for the operator to delete the archive (e.g. 5m, 90s)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -l keep-archive -d 'Keep the archive in storage; delete the resource only'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation (required when no one can answer a prompt)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l from-s3 -d 'Also the bucket, and the prefix its archives and index sit under' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l operator-namespace -d 'Namespace of the operator, whose database census is read' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l s3-endpoint -d 'Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l bucket -d 'Bucket name' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l region -d 'Region of the bucket' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l credentials-secret -d 'Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -l s3-insecure-skip-tls-verify -d 'Skip TLS certificate verification (test setups with self-signed certificates)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from orphans" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "create" -d 'Back up an instance now (an OdooBackupJob); --wait follows it'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "list" -d 'List backups, newest first'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "check" -d 'Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Show a backup\'s outcome: location, size, checksum, versions, duration, events'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "download" -d 'Download a backup\'s archive from S3, verifying its checksum'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "schedule" -d 'Create or update a backup schedule (an OdooBackupSchedule) of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a backup and its archive (--keep-archive keeps the archive)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "orphans" -d 'Databases no instance owns (the operator\'s census) and, with --from-s3, archives no backup resource records'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l from-backup -d 'Restore this OdooBackupJob' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l latest-of -d 'Restore the latest successful backup of this instance (the newest verified one when there is one). With --from-s3 s3://BUCKET[/PREFIX]: of NAMESPACE/NAME as the bucket\'s index records it, with no backup resource needed' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l from-s3 -d 'Restore this S3 object (with --s3-endpoint and --credentials-secret), or, with --latest-of, the newest backup the bucket records' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l from-file -d 'Upload this local archive (an Odoo backup zip, a pg dump or SQL) to S3, then restore it. The bucket is the instance\'s newest backup destination unless the S3 flags name one' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l s3-endpoint -d 'Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l bucket -d 'Bucket name' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l region -d 'Region of the bucket' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l credentials-secret -d 'Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l sha256 -d 'Expected SHA-256 of the archive (hex)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l into -d 'Restore into a new instance of this name, with NAME\'s spec (and no initialization), instead of replacing NAME\'s database' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l mode -d 'copy: a duplicate with a new database identity; move: keep the identity' -r -f -a "copy\t''
move\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l timeout -d 'How long --wait waits (e.g. 1h)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l dry-run -d 'none: restore; client: print the job without sending it (nothing uploaded); server: have the API server validate it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s o -l output -d 'Output format of the created job (table: `odoorestorejob/NAME created`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l s3-insecure-skip-tls-verify -d 'Skip TLS certificate verification (test setups with self-signed certificates)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l neutralize -d 'Neutralize the restored database (no outgoing mail, crons or payments)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l drop-previous -d 'Drop the replaced database after the switch instead of keeping it'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s y -l yes -d 'Do not ask for confirmation (required when no one can answer a prompt)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -l wait -d 'Follow the restore until it ends; exit 3 if it fails, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand restore" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l to -d 'Target PostgreSQL cluster (a name from the operator\'s pg-clusters Secret)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l timeout -d 'How long --wait waits (e.g. 2h)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l dry-run -d 'none: migrate; client: print the migration without sending it; server: have the API server validate it without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s o -l output -d 'Output format of the created migration' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l drop-source-after -d 'Drop the source database once the instance runs on the target'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s y -l yes -d 'Do not ask for confirmation (required when no one can answer a prompt)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -l wait -d 'Follow the migration until it ends; exit 3 if it fails or rolls back, 4 on timeout'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand migrate-cluster" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l job -d 'The pods of this job resource instead: backup/NAME, restore/NAME, upgrade/NAME, init/NAME (or the full kind, e.g. odoobackupjob/NAME)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l component -d 'Only the pods of this component' -r -f -a "web\t''
cron\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l tail -d 'Lines of recent log to show per pod (all when unset)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l since -d 'Only lines newer than this (e.g. 10m)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -s f -l follow -d 'Keep streaming new lines'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand logs" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -l operator-namespace -d 'Namespace of the operator and its pg-clusters Secret' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -s o -l output -d 'Output format: table (✓/✗ lines) or json/yaml' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l file -d 'The zip file to write, as a flag (the same as FILE.zip)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l operator-namespace -d 'Namespace of the operator, whose logs are included' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l log-lines -d 'Log lines per pod' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -l no-redact -d 'Keep Secret values (they are replaced by REDACTED by default)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand report" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "create" -d 'Create an Odoo instance from flags or a file'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "list" -d 'List Odoo instances'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "status" -d 'Show an instance\'s phase, conditions, children and warnings; --watch follows them live, --for waits with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "completion" -d 'Print a shell completion script (bash, zsh or fish)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "version" -d 'Print the plugin, operator and CRD versions and warn about skew'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "stop" -d 'Stop an instance: web (and with it cron) to zero, remembering the replicas'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "start" -d 'Start a stopped instance with the replicas it had before kubectl odoo stop'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "scale" -d 'Set the web and cron replicas of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "delete" -d 'Delete an instance; its database and volume are kept unless --purge'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "events" -d 'Show the Kubernetes events of an instance and its children'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "upgrade" -d 'Upgrade an instance\'s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "backup" -d 'Back up instances, list, inspect, download and delete backups, and schedule them'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "restore" -d 'Restore a backup into an instance (or a new copy of it), after showing the plan; --wait follows the restore'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "migrate-cluster" -d 'Move an instance\'s database to another PostgreSQL cluster (an OdooClusterMigration); --wait follows its steps'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "logs" -d 'Print the logs of an instance\'s pods or of a job\'s pods; -f follows them'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "doctor" -d 'Check the CRDs, your RBAC, the operator and the pg-clusters Secret'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "report" -d 'Write a support bundle (zip) of an instance: objects, events, logs; Secret values redacted'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade backup restore migrate-cluster logs doctor report help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "create" -d 'Back up an instance now (an OdooBackupJob); --wait follows it'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "list" -d 'List backups, newest first'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "check" -d 'Instances with no backup newer than --max-age (exit 3 when any), for cron jobs and CI'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "describe" -d 'Show a backup\'s outcome: location, size, checksum, versions, duration, events'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "download" -d 'Download a backup\'s archive from S3, verifying its checksum'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "schedule" -d 'Create or update a backup schedule (an OdooBackupSchedule) of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "delete" -d 'Delete a backup and its archive (--keep-archive keeps the archive)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "orphans" -d 'Databases no instance owns (the operator\'s census) and, with --from-s3, archives no backup resource records'
