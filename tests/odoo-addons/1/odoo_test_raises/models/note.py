from odoo import fields, models


class Note(models.Model):
    _name = "odoo_test_raises.note"
    _description = "A row the upgrade test follows"

    name = fields.Char(required=True)
    marked = fields.Boolean()
