{
    "name": "Test: a module whose update raises halfway",
    "version": "18.0.1.1",
    "depends": ["odoo_test_commits"],
    "data": ["security/ir.model.access.csv"],
    "license": "LGPL-3",
}
