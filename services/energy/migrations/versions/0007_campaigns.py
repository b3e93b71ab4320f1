"""creation campaigns (创建活动); today's 节约型机关 assessments are copied into one campaign per year

Revision ID: 0007_campaigns
Revises: 0006_trail
Create Date: 2026-12-08 00:58:05.259343
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db
from datetime import datetime, timezone


revision = '0007_campaigns'
down_revision = '0006_trail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('years', sa.JSON(), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('pass_score', sa.Integer(), nullable=False),
    sa.Column('created_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_first_year'), ['first_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_last_year'), ['last_year'], unique=False)

    op.create_table('smoking_finding',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('found_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('finding_id')
    )
    with op.batch_alter_table('smoking_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smoking_finding_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_smoking_finding_year'), ['year'], unique=False)

    op.create_table('campaign_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('statement', sa.Text(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('applied_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'unit_code')
    )
    with op.batch_alter_table('campaign_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_application_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_application_unit_code'), ['unit_code'], unique=False)

    op.create_table('campaign_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total_score', sa.Integer(), nullable=False),
    sa.Column('must_pass_met', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessed_by', sa.String(length=120), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('legacy_assessment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('legacy_assessment_id')
    )
    with op.batch_alter_table('campaign_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_evaluation_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_evaluation_unit_code'), ['unit_code'], unique=False)

    op.create_table('campaign_unit',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_code')
    )
    op.create_table('health_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('health_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_activity_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_activity_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_activity_unit_code'), ['unit_code'], unique=False)

    op.create_table('campaign_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['campaign_evaluation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_evidence_evaluation_id'), ['evaluation_id'], unique=False)

    copy_assessments()


def downgrade() -> None:
    with op.batch_alter_table('campaign_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_evidence_evaluation_id'))

    op.drop_table('campaign_evidence')
    with op.batch_alter_table('health_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_activity_unit_code'))
        batch_op.drop_index(batch_op.f('ix_health_activity_held_on'))
        batch_op.drop_index(batch_op.f('ix_health_activity_campaign_id'))

    op.drop_table('health_activity')
    op.drop_table('campaign_unit')
    with op.batch_alter_table('campaign_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_evaluation_unit_code'))
        batch_op.drop_index(batch_op.f('ix_campaign_evaluation_campaign_id'))

    op.drop_table('campaign_evaluation')
    with op.batch_alter_table('campaign_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_application_unit_code'))
        batch_op.drop_index(batch_op.f('ix_campaign_application_campaign_id'))

    op.drop_table('campaign_application')
    with op.batch_alter_table('smoking_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smoking_finding_year'))
        batch_op.drop_index(batch_op.f('ix_smoking_finding_unit_code'))

    op.drop_table('smoking_finding')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_last_year'))
        batch_op.drop_index(batch_op.f('ix_campaign_kind'))
        batch_op.drop_index(batch_op.f('ix_campaign_first_year'))

    op.drop_table('campaign')


# The 节约型机关 score sheet in force when the assessments were moved (frozen here: a later
# change of the contract's sheet must not change what this revision wrote).
FRUGAL_SHEET = [
    {"code": "organisation", "name": "组织管理", "max_score": 15, "must_pass": False, "source": "manual"},
    {"code": "target_completion", "name": "节能目标完成", "max_score": 20, "must_pass": True, "source": "manual"},
    {"code": "metering", "name": "能源资源计量与统计", "max_score": 15, "must_pass": False, "source": "manual"},
    {"code": "buildings_equipment", "name": "建筑与设备节能", "max_score": 15, "must_pass": False, "source": "manual"},
    {"code": "water_saving", "name": "节约用水", "max_score": 10, "must_pass": False, "source": "manual"},
    {"code": "waste_sorting", "name": "生活垃圾分类", "max_score": 10, "must_pass": False, "source": "manual"},
    {"code": "green_office", "name": "绿色办公与宣传", "max_score": 15, "must_pass": False, "source": "manual"},
]
FRUGAL_PASS_SCORE = 80


def copy_assessments() -> None:
    """Each year's assessments become a 节约型机关 campaign of that year: its units take part and
    have applied (on their first assessment's date), and every assessment is an evaluation that
    remembers the row it came from. The ``assessment`` table is kept as it was."""
    bind = op.get_bind()
    def columns(names, json=()):
        return [sa.column(name, sa.JSON()) if name in json else sa.column(name) for name in names]

    assessment = sa.table("assessment", *columns((
        "id", "unit_code", "year", "kind", "scores", "total_score", "must_pass_met", "passed", "assessed_on",
        "assessed_by", "created_at", "updated_at"), json=("scores",)))
    campaign = sa.table("campaign", *columns((
        "id", "kind", "name", "years", "first_year", "last_year", "criteria", "pass_score", "created_at",
        "updated_at"), json=("years", "criteria")))
    member = sa.table("campaign_unit", sa.column("campaign_id"), sa.column("unit_code"))
    application = sa.table("campaign_application", *columns((
        "campaign_id", "unit_code", "statement", "applied_on", "applied_by", "created_at", "updated_at")))
    evaluation = sa.table("campaign_evaluation", *columns((
        "campaign_id", "unit_code", "kind", "scores", "total_score", "must_pass_met", "passed", "assessed_on",
        "assessed_by", "remarks", "legacy_assessment_id", "created_at", "updated_at"), json=("scores",)))
    rows = bind.execute(sa.select(assessment).order_by(assessment.c.year, assessment.c.assessed_on,
                                                       assessment.c.id)).mappings().all()
    now = datetime.now(timezone.utc)
    by_year: dict[int, list] = {}
    for row in rows:
        by_year.setdefault(row["year"], []).append(row)
    for year, items in by_year.items():
        campaign_id = bind.execute(sa.insert(campaign).values(
            kind="frugal_institution", name=f"{year}年节约型机关创建", years=[year], first_year=year, last_year=year,
            criteria=FRUGAL_SHEET, pass_score=FRUGAL_PASS_SCORE, created_at=now, updated_at=now,
        ).returning(campaign.c.id)).scalar_one()
        first = {}
        for row in items:
            first.setdefault(row["unit_code"], row)
        for unit_code, row in first.items():
            bind.execute(sa.insert(member).values(campaign_id=campaign_id, unit_code=unit_code))
            bind.execute(sa.insert(application).values(
                campaign_id=campaign_id, unit_code=unit_code, statement="由节约型机关评价记录迁入",
                applied_on=row["assessed_on"], applied_by=row["assessed_by"], created_at=now, updated_at=now))
        for row in items:
            bind.execute(sa.insert(evaluation).values(
                campaign_id=campaign_id, unit_code=row["unit_code"], kind=row["kind"], scores=row["scores"],
                total_score=row["total_score"], must_pass_met=row["must_pass_met"], passed=row["passed"],
                assessed_on=row["assessed_on"], assessed_by=row["assessed_by"], remarks=None,
                legacy_assessment_id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"]))
