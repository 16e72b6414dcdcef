complete -c lvsctl -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -s V -l version -d 'Print version'
