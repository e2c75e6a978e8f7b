def migrate(cr, version):
    cr.execute("UPDATE odoo_test_raises_note SET marked = true")
    raise Exception("odoo_test_raises: the migration to 18.0.1.1 raised halfway")
