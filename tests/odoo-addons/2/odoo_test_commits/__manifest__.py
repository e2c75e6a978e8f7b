{
    "name": "Test: a module whose update commits",
    "version": "18.0.1.1",
    "depends": ["base"],
    "data": ["security/ir.model.access.csv"],
    "license": "LGPL-3",
}
