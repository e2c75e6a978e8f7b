def migrate(cr, version):
    # Committed with the module: a copy-less upgrade keeps this even though a
    # later module fails.
    cr.execute("UPDATE odoo_test_commits_note SET marked = true")
