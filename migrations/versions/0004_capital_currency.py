"""Foreign capital in its currency and in yuan at a stated rate (issue 14): project_capital gets
the currency, the amounts in it, and the rate with its date and source; the yuan figures become
nullable (a foreign amount without a configured rate is kept unconverted). Existing rows are
yuan: their currency stays NULL (read as CNY) and their yuan figures are kept.

Revision ID: 0004_capital_currency
Revises: 0003
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_capital_currency'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_YUAN = ('old_yuan', 'new_yuan', 'delta_yuan')


def upgrade() -> None:
    with op.batch_alter_table('project_capital', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('old_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('new_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('delta_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fx_rate', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('fx_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('fx_source', sa.String(length=200), nullable=True))
        for col in _YUAN:
            batch_op.alter_column(col, existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    unconverted = bind.execute(sa.text("SELECT count(*) FROM project_capital WHERE delta_yuan IS NULL")).scalar()
    if unconverted:
        raise RuntimeError(f"{unconverted} capital changes in a foreign currency have no yuan figure (no rate was "
                           "configured); revision 0003 cannot hold them. Configure the rate and re-enter them, "
                           "or delete them, before downgrading.")
    with op.batch_alter_table('project_capital', schema=None) as batch_op:
        for col in _YUAN:
            batch_op.alter_column(col, existing_type=sa.BigInteger(), nullable=False)
        for col in ('fx_source', 'fx_date', 'fx_rate', 'delta_amount', 'new_amount', 'old_amount', 'currency'):
            batch_op.drop_column(col)
