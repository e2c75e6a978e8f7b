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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "status" -d 'Show an instance\'s phase, conditions, children and warnings; --watch follows them live, --until waits with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh or fish)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "version" -d 'Print the plugin, operator and CRD versions and warn about skew'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "stop" -d 'Stop an instance: web (and with it cron) to zero, remembering the replicas'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "start" -d 'Start a stopped instance with the replicas it had before kubectl odoo stop'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "scale" -d 'Set the web and cron replicas of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "delete" -d 'Delete an instance; its database and volume are kept unless --purge'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "events" -d 'Show the Kubernetes events of an instance and its children'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_needs_command" -f -a "upgrade" -d 'Upgrade an instance\'s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code'
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand create" -l demo -d 'Load demo data at initialization'
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l until -d 'Wait until the instance is `ready` (Running) or in the named phase; implies --watch. Exits 1 if it fails instead (Error, InitFailed, UpgradeFailed)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -l timeout -d 'Give up after this long (e.g. 5m); exit code 5' -r
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s w -l watch -d 'Follow changes until interrupted (or until --until is reached)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand status" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand completion" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l dry-run -d 'none: stop it; client: print the change without sending it; server: have the API server validate the change without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s o -l output -d 'Output format of the changed object (table: `odoo/NAME stopped`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand stop" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l replicas -d 'Web pods to start (default: the replicas before `kubectl odoo stop`, else 1)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l dry-run -d 'none: start it; client: print the change without sending it; server: have the API server validate the change without storing it' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s o -l output -d 'Output format of the changed object (table: `odoo/NAME started`)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand start" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s n -l namespace -d 'The namespace (default: the context\'s namespace, then "default")' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l request-timeout -d 'How long to wait for a single API request (e.g. 10s, 1m); 0 means no limit' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -l color -d 'When to colour output; NO_COLOR and CLICOLOR_FORCE are honoured with auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s v -l v -d 'Log verbosity (0-9), as with kubectl' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand scale" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand delete" -l timeout -d 'With --wait: give up after this long (e.g. 90s, 10m) and exit 1' -r
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l image -d 'Target image, pinned to a tag or digest (the current image when omitted: re-run module updates)' -r
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l modules -d 'Modules to update, comma-separated (every installed module when omitted)' -r
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
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l maintenance -d 'Stop the web pods during the upgrade instead of serving the old image'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -l wait -d 'Follow the upgrade until it ends; exit 1 if it fails'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s h -l help -d 'Print help'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "create" -d 'Create an Odoo instance from flags or a file'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "list" -d 'List Odoo instances'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "status" -d 'Show an instance\'s phase, conditions, children and warnings; --watch follows them live, --until waits with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "completion" -d 'Print a shell completion script (bash, zsh or fish)'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "version" -d 'Print the plugin, operator and CRD versions and warn about skew'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "stop" -d 'Stop an instance: web (and with it cron) to zero, remembering the replicas'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "start" -d 'Start a stopped instance with the replicas it had before kubectl odoo stop'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "scale" -d 'Set the web and cron replicas of an instance'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "delete" -d 'Delete an instance; its database and volume are kept unless --purge'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "events" -d 'Show the Kubernetes events of an instance and its children'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "upgrade" -d 'Upgrade an instance\'s database with a new image before it rolls out (an OdooUpgradeJob); --wait follows it with a truthful exit code'
complete -c kubectl-odoo -n "__fish_kubectl_odoo_using_subcommand help; and not __fish_seen_subcommand_from create list status completion version stop start scale delete events upgrade help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
