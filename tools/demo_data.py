"""The demo county of `manage.py seed_demo`: 长治县 in two policy years.

2018, the plan's own year, is the archive a county keeps: every class ran, was assessed, claimed,
paid and closed, the year is closed, its figures are final. The live year is the current calendar
year with the plan's parameters, its dates placed around the day the demo is built
(`live_year(today)`), so that each demo login finds work waiting that succeeds when done: a class
in session today, certificates ready to claim, an employment window that closed last week, claims
at every step of HR's review, vouchers to issue.

Fixed tables first, then the two years (`archive_year()`, `live_year(today)`), then
`build_plan(spec, taken)`, which draws everything else (people, rosters, attendance, results,
jobs, vouchers) from `random.Random(spec.seed)`. A plan is pure Python and never reads the
database, so every run plans the same years and the command only has to create what is missing.
Names, companies and numbers are invented; ID numbers, credit codes and ISBNs carry correct
check characters.
"""

import functools
import io
import math
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import chinese_calendar
from django.contrib.auth.models import Permission
from django.db.models import Q
from PIL import Image, ImageDraw
from stdnum import ean, isbn
from stdnum.cn import ric, uscc

from programme.calendar import add_calendar_months
from programme.policy import PolicyParams

ARCHIVE_YEAR = 2018
# The day the archive stands at: the last claim of 2018 paid and every class closed.
ARCHIVE_TODAY = date(2019, 6, 28)
# The province-scale year of `manage.py generate_data` is 2018 seen from mid-December, with the
# voucher pilot from June (it shares these tables).
YEAR = ARCHIVE_YEAR
DEMO_TODAY = date(2018, 12, 14)
VOUCHER_PILOT_FROM = date(2018, 6, 1)
PASSWORD = "Demo-2018-skills"
CHANGE_REASON = "载入演示数据"
HR_ISSUER = "长治县人力资源和社会保障局"
REGION = "140421"  # 长治县
PLACEMENT_REWARD = Decimal("200.00")  # demo provincial 职业介绍补贴 standard (R8)
HR_GROUP = "县人社局工作人员"
HR_GROUP_APPS = (
    "programme", "common", "reporting", "accounts", "trainees", "institutions", "courses", "certification", "subsidies",
    "checkin",
)
# City and province supervisors read everything in their area and act on nothing but inspections
# and flags (SPEC.md §1): the admin's view permissions, and those two models' own.
SUPERVISOR_GROUP = "市、省人社督导"
SUPERVISOR_WRITES = (("institutions", "inspection", ("add", "change")), ("institutions", "flag", ("change",)))


PROVINCE_GROUP = "省人社厅政策年度模板"


def province_permissions():
    """The province supervisor's second group: the year's template (PolicyYear) they maintain."""
    return Permission.objects.filter(content_type__app_label="programme", content_type__model="policyyear",
                                     codename__in=["add_policyyear", "change_policyyear", "view_policyyear"])


def supervisor_permissions():
    """The supervisors' group's permissions; the services refuse them every decision but an
    inspection and a flag's resolution (accounts.scope.require_hr, require_supervision)."""
    writes = Q()
    for app, model, actions in SUPERVISOR_WRITES:
        writes |= Q(content_type__app_label=app, content_type__model=model, codename__in=[f"{a}_{model}" for a in actions])
    return Permission.objects.filter(Q(content_type__app_label__in=HR_GROUP_APPS, codename__startswith="view_") | writes)

# Both demo years run on the plan's own parameters (《实施方案》, SPEC.md §4's defaults).
PLAN = PolicyParams(year=2018)

# ---------------------------------------------------------------------------------------------
# The official working-day calendar (国务院办公厅节假日安排, 调休 included), as the services read
# it (programme.calendar): the chinese-calendar package, and for a year it does not know yet
# the statutory holidays below, which seed_demo records as 工作日调整 so that the services count
# the same days. The 调休 of such a year is published by the State Council late in the year
# before; HR records it then.

STATUTORY_HOLIDAYS = {  # 《全国年节及纪念日放假办法》(2024年修订): 元旦1天, 春节4天(除夕至正月初三)
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "春节(除夕)",
    date(2027, 2, 6): "春节(正月初一)",
    date(2027, 2, 7): "春节(正月初二)",
    date(2027, 2, 8): "春节(正月初三)",
}


@functools.cache  # the package looks a day up slowly
def is_working_day(day):
    if day in STATUTORY_HOLIDAYS:
        return False
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not know: Monday to Friday
        return day.weekday() < 5


def holidays_to_record():
    """(day, note) of the statutory holidays the chinese-calendar package does not know."""
    rows = []
    for day, name in sorted(STATUTORY_HOLIDAYS.items()):
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            rows.append((day, f"{day.year}年{name}(法定节假日,《全国年节及纪念日放假办法》);"
                              "调休安排以国务院办公厅通知为准"))
    return rows


def working_days(start, count):
    """`count` working days from `start` (included when it is one)."""
    days, day = [], start
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def add_working_days(day, count):
    """The working day `count` working days after (or before, if negative) `day`."""
    step = timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while not is_working_day(day):
            day += step
    return day


def working_day_on_or_before(day):
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


# ---------------------------------------------------------------------------------------------
# The application's documents (R17), as the Word files a county office exchanges.

_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    ),
}


def word_document(paragraphs) -> bytes:
    """A minimal Word (.docx) file with one paragraph per line."""
    body = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in paragraphs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_DOCX_PARTS, "word/document.xml": document}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Check characters.

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def class_photo(session, rng) -> tuple[bytes, bytes, int, int]:
    """A stand-in class photo of `session` (a JPEG drawn here, no camera in a demo) and its
    thumbnail, both without metadata: a classroom wall and rows of desks in colours that differ
    from session to session, with the class code and the time written on the board. Returns
    (photo, thumbnail, width, height)."""
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(150, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((70, 20, 410, 130), fill=(40, 70, 50))
    draw.text((90, 60), f"{session.training_class.code}  {session.held_on:%Y-%m-%d} {session.starts_at:%H:%M}",
              fill=(240, 240, 240))
    for row in range(3):
        for seat in range(6):
            x, y = 30 + seat * 72 + rng.randrange(-5, 5), 190 + row * 55
            draw.rectangle((x, y, x + 54, y + 24), fill=(120 + rng.randrange(60), 90, 60))
            draw.ellipse((x + 18, y - 21, x + 36, y - 3), fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    photo, thumbnail = io.BytesIO(), io.BytesIO()
    image.save(photo, "JPEG", quality=80)
    image.resize((240, 180)).save(thumbnail, "JPEG", quality=75)
    return photo.getvalue(), thumbnail.getvalue(), image.width, image.height


def credit_code(prefix, body):
    """A unified social credit code (GB 32100-2015): 8-character prefix (registration authority,
    kind, region), the 8-character organisation code body with its GB 11714 check character, and
    the final check character."""
    total = sum(w * int(c, 36) for w, c in zip(_ORG_WEIGHTS, body, strict=True))
    org_check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    base = prefix + body + org_check
    return base + uscc.calc_check_digit(base)


def isbn13(first12):
    """A hyphenated ISBN-13 with its check digit."""
    return isbn.format(first12 + ean.calc_check_digit(first12))


def id_number(birth_on, sequence):
    """A resident ID number (GB 11643-1999) of 长治县; `sequence` 0-999, odd last digit = male."""
    first17 = f"{REGION}{birth_on:%Y%m%d}{sequence:03d}"
    return first17 + ric.calc_check_digit(first17 + "?")  # stdnum expects a placeholder check digit


# ---------------------------------------------------------------------------------------------
# The year, its target lines (《实施方案》二) and the townships (五(二) 责任包干).

LINE_MIGRANT = "农民工技能提升培训(含小微企业岗前)"
LINE_UNEMPLOYED = "城镇失业人员培训"
LINE_CARER = "县卫计局系统(山西护工)"
TARGET_LINES = [  # name, responsible unit, target
    (LINE_MIGRANT, "县人社局", 4610),
    (LINE_UNEMPLOYED, "县人社局", 1040),
    (LINE_CARER, "县卫计局", 175),
]
# Categories (三(一)) that a line is meant for; an empty tuple accepts every category.
LINE_CATEGORIES = {
    LINE_MIGRANT: ("rural_labour", "migrant_worker", "employee", "poor_family", "veteran"),
    LINE_UNEMPLOYED: ("urban_unemployed", "school_leaver", "college_graduate"),
    LINE_CARER: (),
}


@dataclass(frozen=True)
class TownshipRow:
    name: str
    kind: str
    code: str
    target: int
    weight: int  # share of the demo's trainees
    villages: tuple


TOWNSHIPS = [
    TownshipRow("韩店镇", "town", "140421100000", 1150, 62,
                ("韩店村", "司马村", "柳林村", "西王内村", "府后街社区")),
    TownshipRow("苏店镇", "town", "140421101000", 900, 50, ("苏店村", "北董村", "南董村", "大天河村")),
    TownshipRow("荫城镇", "town", "140421102000", 650, 34, ("荫城村", "桑梓村", "河下村")),
    TownshipRow("西火镇", "town", "140421103000", 520, 28, ("西火村", "东火村", "龙泉村")),
    TownshipRow("八义镇", "town", "140421104000", 560, 30, ("八义村", "北楼底村", "南楼底村")),
    TownshipRow("贾掌镇", "town", "140421105000", 430, 24, ("贾掌村", "南掌村", "黄池村")),
    TownshipRow("郝家庄乡", "township", "140421200000", 380, 22, ("郝家庄村", "高河村", "北郭村")),
    TownshipRow("东和乡", "township", "140421201000", 360, 20, ("东和村", "中和村", "河南村")),
    TownshipRow("南宋乡", "township", "140421202000", 330, 18, ("南宋村", "北宋村", "西宋村")),
    TownshipRow("北呈乡", "township", "140421203000", 290, 16, ("北呈村", "南呈村", "西呈村")),
    TownshipRow("西池乡", "township", "140421204000", 255, 14, ("西池村", "东池村", "南池村")),
]
assert sum(t.target for t in TOWNSHIPS) == sum(line[2] for line in TARGET_LINES) == 5825

# ---------------------------------------------------------------------------------------------
# The occupation catalogue (三(三)): six key industries, all four certificate kinds (三(六)).


@dataclass(frozen=True)
class OccupationRow:
    name: str
    code: str
    industry: str
    certificate_kind: str
    is_key_trade: bool
    has_national_standard: bool
    standard_reference: str
    female_share: float  # who signs up, for believable rosters
    employers: str  # key of EMPLOYERS
    room: str  # training room, appended to the institution's building
    theory: tuple  # theory session topics
    practical: tuple  # practical session topics
    textbooks: tuple  # (title, publisher, first 12 digits of the ISBN-13)

    @property
    def has_enterprise_specification(self):
        return not self.has_national_standard


CLSS = "中国劳动社会保障出版社"
OCCUPATIONS = [
    OccupationRow(
        "焊工", "6-18-02-04", "equipment", "skill_level", True, True, "国家职业技能标准《焊工》", 0.04,
        "equipment", "焊接实训车间",
        ("焊接安全与劳动保护", "焊接识图", "焊条电弧焊基础知识", "焊接材料与设备", "焊接缺陷与检验"),
        ("焊条电弧焊平焊", "焊条电弧焊立焊", "二氧化碳气体保护焊", "管板焊接", "焊缝外观检验"),
        (("焊工(初级)(第2版)", CLSS, "978751671203"), ("焊接安全技术", "机械工业出版社", "978711158432")),
    ),
    OccupationRow(
        "电工", "6-31-01-03", "equipment", "qualification", False, True, "国家职业技能标准《电工》", 0.05,
        "equipment", "电工实训室",
        ("电工基础知识", "安全用电与触电急救", "电工识图", "低压电器"),
        ("照明线路安装", "电动机控制线路接线", "电工仪表使用", "故障排查"),
        (("电工(初级)(第2版)", CLSS, "978751670834"),),
    ),
    OccupationRow(
        "中式烹调师", "4-03-02-01", "rural", "qualification", False, True,
        "国家职业技能标准《中式烹调师》", 0.45,
        "catering", "烹饪实训室",
        ("食品安全与营养卫生", "烹饪原料知识", "上党地方菜概述"),
        ("刀工与勺工", "冷菜制作", "热菜烹调", "上党八八宴席菜制作"),
        (("中式烹调师(初级)(第2版)", CLSS, "978751672018"),),
    ),
    OccupationRow(
        "育婴员", "4-10-01-02", "domestic", "qualification", False, True, "国家职业技能标准《育婴员》", 0.97,
        "domestic", "育婴实训室",
        ("婴幼儿生理与心理发展", "婴幼儿营养与喂养", "职业道德与法律常识"),
        ("婴儿沐浴与抚触", "辅食制作", "常见病护理与意外处理", "早期教育游戏"),
        (("育婴员(第2版)", CLSS, "978751671562"),),
    ),
    OccupationRow(
        "养老护理员", "4-10-01-05", "domestic", "qualification", True, True,
        "国家职业技能标准《养老护理员》", 0.86,
        "care", "护理实训室",
        ("老年人生理心理特点", "护理职业道德与法规", "老年常见病知识"),
        ("生活照料", "翻身与体位转移", "鼻饲与服药照护", "康复护理", "安宁照护"),
        (("养老护理员(基础知识)(第2版)", CLSS, "978751670377"), ("养老护理员(初级)", CLSS, "978751670384")),
    ),
    OccupationRow(
        "家政服务员", "4-10-01-06", "domestic", "skill_level", False, True,
        "国家职业技能标准《家政服务员》", 0.92,
        "domestic", "家政实训室",
        ("家政服务礼仪", "家庭安全常识", "家庭膳食与营养"),
        ("家居保洁", "衣物洗涤与熨烫", "家庭餐制作", "孕产妇与婴儿照护"),
        (("家政服务员(初级)", CLSS, "978751673011"),),
    ),
    OccupationRow(
        "电子商务师", "4-01-02-02", "ecommerce", "skill_level", True, True,
        "国家职业技能标准《电子商务师》", 0.6,
        "ecommerce", "电子商务实训室",
        ("电子商务概论", "网络营销基础", "农村电商政策与案例"),
        ("网店开设与装修", "商品拍摄与美工", "客服与订单处理", "上党农特产品网上推广"),
        (("电子商务基础与实务(第3版)", "电子工业出版社", "978712133854"),
         ("网店运营与推广", "电子工业出版社", "978712134172")),
    ),
    OccupationRow(
        "仓储管理员", "4-02-06-01", "logistics", "skill_level", False, True,
        "国家职业技能标准《仓储管理员》", 0.35,
        "logistics", "仓储物流实训室",
        ("仓储管理概论", "物料分类与编码", "仓储安全管理"),
        ("入库验收", "货物堆码与苫垫", "盘点作业", "仓储管理系统操作"),
        (("仓储管理实务(第2版)", "中国财富出版社", "978750474721"),),
    ),
    OccupationRow(
        "叉车司机", "", "logistics", "special_ability", False, False,
        "《叉车操作专项职业能力考核规范》及合作物流企业叉车司机岗位规范", 0.08,
        "logistics", "叉车训练场",
        ("叉车构造与原理", "场内机动车辆安全规程"),
        ("叉车起步与行驶", "叉取与堆垛", "绕桩与倒车入库", "日常检查与保养"),
        (("叉车操作与安全", "化学工业出版社", "978712231105"),),
    ),
    OccupationRow(
        "设施蔬菜种植", "", "agriculture", "special_ability", True, False,
        "《设施蔬菜种植专项职业能力考核规范》及县蔬菜专业合作社岗位规范", 0.55,
        "agriculture", "日光温室实训基地",
        ("设施蔬菜生产概述", "土壤与肥料", "病虫害绿色防控"),
        ("温室建造与环境调控", "育苗与定植", "水肥一体化操作", "整枝与采收"),
        (("设施蔬菜栽培技术", "中国农业出版社", "978710924036"),),
    ),
    OccupationRow(
        "食用菌生产", "", "agriculture", "special_ability", False, False,
        "《食用菌生产专项职业能力考核规范》及县食用菌合作社岗位规范", 0.5,
        "agriculture", "食用菌实训大棚",
        ("食用菌生物学基础",), ("菌棒制作", "出菇管理"),
        (("食用菌栽培实用技术", "中国农业出版社", "978710923541"),),
    ),
    OccupationRow(
        "乡村旅游服务", "", "rural", "training", False, False,
        "《长治县乡村旅游接待服务岗位规范》(县旅游部门会同星级农家乐企业制定)", 0.6,
        "catering", "乡村旅游实训基地",
        ("乡村旅游概论", "服务礼仪与接待", "上党民俗文化"),
        ("农家乐客房服务", "餐饮服务", "导览讲解"),
        (("乡村旅游服务与管理", "中国农业出版社", "978710925170"),),
    ),
]
OCCUPATION_BY_NAME = {o.name: o for o in OCCUPATIONS}

# ---------------------------------------------------------------------------------------------
# Institutions (三(二)), their training mode (三(四)), evaluation bodies (三(六)).

TRAINING_MODE_BY_KIND = {
    "higher_vocational": "train_then_employ",
    "secondary_specialised": "train_then_employ",
    "technical": "train_then_employ",
    "vocational_high": "train_then_employ",
    "employer": "train_then_post",
    "hr_service": "train_while_employed",
}  # every other kind: 需求储备式


@dataclass(frozen=True)
class InstitutionRow:
    name: str
    kind: str
    credit_code: str
    responsible_person: str
    responsible_title: str
    phone: str
    address: str
    township: str
    building: str  # where its classes are held

    @property
    def training_mode(self):
        return TRAINING_MODE_BY_KIND.get(self.kind, "demand_reserve")


SCHOOL = "长治县职业技术学校"
TECH = "长治县技工学校"
CENTRE = "长治县就业训练中心"
XINYUAN = "长治县鑫源职业培训学校"
LUAN = "山西潞安机械制造有限公司"
HRCO = "长治县人力资源服务有限公司"
INSTITUTIONS = [
    InstitutionRow(SCHOOL, "vocational_high", credit_code("12140421", "40708123"), "张志刚", "principal",
                   "0355-6611201", "长治县韩店镇府前街88号", "韩店镇", "长治县职业技术学校实训楼"),
    InstitutionRow(TECH, "technical", credit_code("12140421", "40708456"), "李文斌", "principal",
                   "0355-6612318", "长治县韩店镇太行东街126号", "韩店镇", "长治县技工学校实训中心"),
    InstitutionRow(CENTRE, "public_institution", credit_code("12140421", "40711987"), "常建平",
                   "legal_representative", "0355-6620456", "长治县韩店镇上党西路16号县人力资源市场三楼",
                   "韩店镇", "长治县就业训练中心"),
    InstitutionRow(XINYUAN, "private_school", credit_code("52140421", "MJ051234"), "秦海燕", "principal",
                   "0355-6738015", "长治县苏店镇府东路32号", "苏店镇", "鑫源职业培训学校教学楼"),
    InstitutionRow(LUAN, "employer", credit_code("91140421", "70123458"), "牛建军", "legal_representative",
                   "0355-6655120", "长治县韩店工业园区装备制造园3号", "韩店镇", "潞安机械职工培训中心"),
    InstitutionRow(HRCO, "hr_service", credit_code("91140421", "MA0H1234"), "郭晓东", "legal_representative",
                   "0355-6630777", "长治县韩店镇迎宾路55号", "韩店镇", "长治县人力资源服务有限公司培训部"),
]
INSTITUTION_BY_NAME = {i.name: i for i in INSTITUTIONS}
SKILL_LEVEL_OCCUPATIONS = [o.name for o in OCCUPATIONS if o.certificate_kind == "skill_level"]
EVALUATOR = "长治市黎都人才评价服务有限公司"


def tender_reference(year):
    return f"长治市人社局{year}年全民技能提升工程培训机构公开招标(第一批)"


@dataclass(frozen=True)
class EvaluationBodyRow:
    name: str
    kind: str
    credit_code: str
    contact_person: str
    contact_phone: str
    plan_title: str  # the 2018 plan's title; later years' name their own year
    occupations: tuple
    is_published: bool  # its plan is published each year on the year's `plan_published_on`


EVALUATION_BODIES = [
    EvaluationBodyRow(
        EVALUATOR, "talent_evaluation", credit_code("91140400", "MA0GX123"), "杨帆", "0355-2026688",
        "长治市黎都人才评价服务有限公司2018年职业技能等级评价实施方案", tuple(SKILL_LEVEL_OCCUPATIONS), True,
    ),
    EvaluationBodyRow(
        LUAN, "enterprise", INSTITUTION_BY_NAME[LUAN].credit_code, "牛建军", "0355-6655120",
        "山西潞安机械制造有限公司2018年企业职业技能等级评价实施方案(焊工、仓储管理员)", ("焊工", "仓储管理员"),
        False,
    ),
]

# ---------------------------------------------------------------------------------------------
# Demo users (SPEC.md §6), all with PASSWORD.


@dataclass(frozen=True)
class UserRow:
    username: str
    last_name: str
    first_name: str
    role: str
    party: str = ""  # institution, township or evaluation body name
    is_staff: bool = False
    is_superuser: bool = False
    phone: str = ""


USERS = [
    UserRow("hr_admin", "郭", "志强", "hr", is_staff=True, is_superuser=True, phone="0355-6621001"),
    UserRow("hr_reviewer", "申", "丽萍", "hr", is_staff=True, phone="0355-6621002"),
    UserRow("hr_approver", "王", "卫东", "hr", is_staff=True, phone="0355-6621003"),
    UserRow("inst_clerk", "赵", "晓燕", "institution", SCHOOL, phone="13835512046"),
    UserRow("inst_clerk2", "秦", "海军", "institution", XINYUAN, phone="15903557218"),
    # Every institution's classes have a clerk who marks attendance and takes the class photos.
    UserRow("inst_clerk3", "李", "春梅", "institution", TECH, phone="13835521377"),
    UserRow("inst_clerk4", "常", "丽娟", "institution", CENTRE, phone="13935538462"),
    UserRow("inst_clerk5", "牛", "志勇", "institution", LUAN, phone="15835546019"),
    UserRow("inst_clerk6", "郭", "晓霞", "institution", HRCO, phone="18735552784"),
    UserRow("town_official", "牛", "红梅", "township", "韩店镇", phone="13994683105"),
    UserRow("town_official2", "常", "建军", "township", "苏店镇", phone="18835597462"),
    UserRow("eval_body", "杨", "帆", "evaluator", EVALUATOR, phone="13703551930"),
]
HR_GROUP_MEMBERS = ("hr_reviewer", "hr_approver")
CLERK_BY_INSTITUTION = {u.party: u.username for u in USERS if u.role == "institution"}
OFFICIAL_BY_TOWNSHIP = {u.party: u.username for u in USERS if u.role == "township"}

# ---------------------------------------------------------------------------------------------
# Training classes: every status of the workflow (SPEC.md §3). Hours per day are morning and
# afternoon blocks; `enrol` is the roster size (0: no roster yet).


@dataclass(frozen=True)
class ClassRow:
    code: str
    institution: str
    occupation: str
    line: str
    status: str
    start: date
    days: int
    capacity: int
    enrol: int = 0
    hours: tuple = (4, 4)
    practical_share: float = 0.70
    submitted_on: date | None = None
    decided_on: date | None = None
    cancelled_on: date | None = None
    decision_note: str = ""
    dates: tuple = ()  # the training days, when they are not simply `days` working days from `start`


@dataclass(frozen=True)
class ClaimRow:
    """A subsidy claim (SPEC.md §3.7): class, instalment, status, the day the institution
    generated it, and HR's reason when it was returned to the institution as a draft."""

    code: str
    instalment: str
    status: str
    created_on: date
    return_reason: str = ""


APPROVED_NOTE = "材料齐全,符合开班条件,同意开班。"
SUBMITTED_STATUSES = ("submitted", "approved", "returned", "rejected", "in_progress", "completed", "closed")
DECIDED_STATUSES = ("approved", "returned", "rejected", "in_progress", "completed", "closed")
STARTED_STATUSES = ("in_progress", "completed", "closed")
COMPLETED_STATUSES = ("completed", "closed")
PARALLEL_APPROVAL = (SCHOOL, "焊工",
                     "学校焊接实训车间两间,各配备交直流焊机20台、排烟除尘系统;焊接专业专职教师6名(高级技师2名);"
                     "实训管理员2名。具备同时开设两个焊工培训班的条件,两班分班管理。")
CLAIM_STEPS = ("draft", "submitted", "reviewed", "approved", "publicised", "payable", "paid")
CERTIFICATE_DAYS = 10  # working days from the class end to the certificates


@dataclass(frozen=True)
class ClaimTimeline:
    created_on: date
    submitted_on: date | None = None
    reviewed_on: date | None = None
    approved_on: date | None = None
    publicity_starts_on: date | None = None
    publicity_ends_on: date | None = None
    paid_on: date | None = None


def claim_timeline(created_on, status, publicity_days=5):
    """The dates of each step a claim in `status` has passed, counted in working days (R19)."""
    reached = CLAIM_STEPS.index(status)
    steps = {"created_on": created_on}
    if reached >= 1:
        steps["submitted_on"] = add_working_days(created_on, 1)
    if reached >= 2:
        steps["reviewed_on"] = add_working_days(created_on, 3)
    if reached >= 3:
        steps["approved_on"] = add_working_days(created_on, 5)
    if reached >= 4:
        steps["publicity_starts_on"] = add_working_days(created_on, 6)
        steps["publicity_ends_on"] = add_working_days(steps["publicity_starts_on"], publicity_days - 1)
    if reached >= 6:
        steps["paid_on"] = add_working_days(steps["publicity_ends_on"], 3)
    return ClaimTimeline(**steps)


def class_days(row):
    return list(row.dates) or working_days(row.start, row.days)


def settled_claims(row):
    """Both instalments of a class, paid: the first once the certificates are out, the second
    once the employment window has closed (R7)."""
    end = class_days(row)[-1]
    first_on = add_working_days(end, CERTIFICATE_DAYS + 2)
    second_on = add_working_days(add_calendar_months(end, PLAN.employment_window_months), 3)
    return [ClaimRow(row.code, "first", "paid", first_on), ClaimRow(row.code, "second", "paid", second_on)]


@dataclass(frozen=True)
class YearSpec:
    """One policy year of the demo: its classes and claims and the day its data stands at."""

    year: int
    today: date  # the archive's last day, or the day the live year was built
    is_closed: bool
    seed: int
    classes: tuple
    claims: tuple
    inspections: tuple  # class, method, date, findings, follow-up, compliant
    withdrawals: dict  # class: (training day of withdrawal, reason)
    poor_attendance: tuple  # classes with one trainee far below 85% (R3)
    awaiting_certificates: tuple  # completed classes assessed, certificates not yet issued
    trainee_count: int
    birth_from: date  # the oldest trainee's birth date
    birth_years: int  # and the span of birth dates
    pilot_from: date  # the voucher pilot (四(三))
    waiting_vouchers: tuple  # (first, last) issue day of vouchers not used
    waiting_status: str  # what an unused voucher is on `today`: issued, or expired after the year
    late_registrations: tuple  # (first, last) registration day of people not on a roster
    plan_published_on: date  # the evaluation body's plan (三(六))
    parallel_approved_on: date  # HR's R2 approval of the school's two welding classes
    small_enterprise: tuple = ()  # (class whose first welder a small enterprise hires, contract day)
    late_job_class: str = ""  # a class with one job found after the window (R7)
    anchor_class: str = ""  # the draft made the day the live year was built (its creation day is `today`)
    anomaly_class: str = ""  # a class where one trainee is reported employed by the institution itself

    @property
    def first_start(self):
        return min(class_days(row)[0] for row in self.classes if row.enrol)

    @property
    def claim_days(self):
        return {(c.code, c.instalment): c.created_on for c in self.claims}

    def class_row(self, code):
        return next(row for row in self.classes if row.code == code)


def archive_year():
    """2018 as the county keeps it: fourteen classes run and closed, one application refused and
    one class cancelled, every claim paid, every voucher used or expired."""
    rows = [
        ClassRow("2018-001", SCHOOL, "焊工", LINE_MIGRANT, "closed", date(2018, 5, 21), 12, 45, 42,
                 submitted_on=date(2018, 5, 15), decided_on=date(2018, 5, 17)),
        ClassRow("2018-002", XINYUAN, "养老护理员", LINE_CARER, "closed", date(2018, 6, 4), 10, 40, 38),
        ClassRow("2018-003", SCHOOL, "电子商务师", LINE_UNEMPLOYED, "closed", date(2018, 6, 25), 10, 40, 36),
        ClassRow("2018-004", XINYUAN, "育婴员", LINE_UNEMPLOYED, "closed", date(2018, 7, 2), 10, 45, 40,
                 hours=(4, 3)),
        ClassRow("2018-005", TECH, "电工", LINE_MIGRANT, "closed", date(2018, 7, 9), 12, 40, 35),
        ClassRow("2018-006", SCHOOL, "焊工", LINE_MIGRANT, "closed", date(2018, 8, 6), 12, 45, 40),
        # Runs alongside 2018-006: the school holds HR's approval for two 焊工 classes at once (R2).
        ClassRow("2018-007", SCHOOL, "焊工", LINE_MIGRANT, "closed", date(2018, 8, 13), 12, 40, 38),
        ClassRow("2018-008", XINYUAN, "家政服务员", LINE_UNEMPLOYED, "closed", date(2018, 8, 20), 10, 40, 36),
        ClassRow("2018-009", XINYUAN, "中式烹调师", LINE_MIGRANT, "closed", date(2018, 10, 15), 10, 35, 32),
        ClassRow("2018-010", CENTRE, "叉车司机", LINE_UNEMPLOYED, "closed", date(2018, 11, 5), 8, 30, 30,
                 hours=(4, 3), practical_share=0.66),
        ClassRow("2018-011", LUAN, "焊工", LINE_MIGRANT, "closed", date(2018, 11, 26), 10, 30, 28),
        ClassRow("2018-012", HRCO, "仓储管理员", LINE_MIGRANT, "closed", date(2018, 12, 3), 12, 40, 34),
        ClassRow("2018-013", TECH, "设施蔬菜种植", LINE_MIGRANT, "closed", date(2018, 12, 10), 10, 30, 26,
                 submitted_on=date(2018, 11, 19), decided_on=date(2018, 11, 23)),
        ClassRow("2018-014", HRCO, "电子商务师", LINE_UNEMPLOYED, "closed", date(2018, 12, 17), 8, 40, 36,
                 submitted_on=date(2018, 12, 3)),
        ClassRow("2018-015", HRCO, "育婴员", LINE_UNEMPLOYED, "rejected", date(2018, 11, 19), 10, 40,
                 submitted_on=date(2018, 11, 1), decided_on=date(2018, 11, 7),
                 decision_note="不予批准:经实地核查,该机构未配备育婴实训室及婴儿护理模型等实训设备,不具备开班条件"
                               "(《实施方案》三(五))。"),
        ClassRow("2018-016", TECH, "焊工", LINE_MIGRANT, "cancelled", date(2018, 10, 22), 10, 40,
                 submitted_on=date(2018, 9, 25), decided_on=date(2018, 10, 12), cancelled_on=date(2018, 10, 19)),
    ]
    claims = [claim for row in rows if row.status == "closed" for claim in settled_claims(row)]
    return YearSpec(
        year=ARCHIVE_YEAR, today=ARCHIVE_TODAY, is_closed=True, seed=ARCHIVE_YEAR, classes=tuple(rows),
        claims=tuple(claims),
        inspections=(
            ("2018-006", "on_site", date(2018, 8, 8),
             "实地查看焊接实训车间:当日应到学员40人,实到39人,与考勤记录一致;1人事假有请假条。实操课按教学计划进行,"
             "焊机及排烟设备运行正常,安全防护用品配发到人。", "", True),
            ("2018-012", "video", date(2018, 12, 12),
             "调阅12月11日下午实操课监控录像:应到34人,实到33人,与考勤记录一致;发现签到时段有学员代他人签到迹象。",
             "要求机构即日起启用人脸识别签到,对代签学员进行批评教育,当日考勤按实际出勤重新核对;县人社局将于结业前再次抽查。",
             True),
        ),
        withdrawals={"2018-004": (2, "已在外地找到工作,本人申请退学"),
                     "2018-006": (3, "家中老人生病需要照顾,本人申请退学")},
        poor_attendance=("2018-003", "2018-008"), awaiting_certificates=(),
        trainee_count=360, birth_from=date(1960, 1, 1), birth_years=42,
        pilot_from=date(2018, 6, 1), waiting_vouchers=(date(2018, 11, 1), date(2018, 12, 14)),
        waiting_status="expired", late_registrations=(date(2018, 10, 8), date(2018, 12, 14)),
        plan_published_on=date(2018, 5, 30), parallel_approved_on=date(2018, 7, 20),
        small_enterprise=("2018-001", date(2018, 6, 11)), late_job_class="2018-001",
    )


ANCHOR_CLASS = 23  # the live year's class whose creation day is the day the live year was built


def anchor_class_code(year):
    return f"{year}-{ANCHOR_CLASS:03d}"


def live_year(today):
    """The current calendar year, `today` being the day the demo is built (SPEC.md §6).

    Per institution with a demo login (the school: inst_clerk; 鑫源: inst_clerk2): a class in
    session today whose sessions so far are marked and today's await attendance, a class that
    ended two weeks ago with its certificates out (first instalment to claim, employment to
    follow up), a class whose employment window closed last week (second instalment to claim),
    a returned application and a draft. HR finds an application to approve, a claim at every
    step (to review, to approve, to publicise, whose notice has ended, to pay), a settled class to
    close; the evaluation body a class assessed last week awaiting its certificates.
    """
    year = today.year

    def code(n):
        return f"{year}-{n:03d}"

    def wd(n):
        return add_working_days(today, n)

    def ending(offset, days):
        """(start, days) of a class that ended `offset` working days ago."""
        return add_working_days(wd(offset), -(days - 1)), days

    def window_closed(days_ago, days):
        """(start, days) of a class whose employment window (R7, the plan's months) ended `days_ago` days ago."""
        end = working_day_on_or_before(add_calendar_months(today - timedelta(days=days_ago),
                                                           -PLAN.employment_window_months))
        return add_working_days(end, -(days - 1)), days

    def in_session(done, days):
        """The training days of a class in its (done + 1)-th day today, a weekend included if need be."""
        before = [wd(-i) for i in range(done, 0, -1)]
        after = working_days(wd(1), days - done - 1)
        return tuple([*before, today, *after])

    def running(n, institution, occupation, line, done, days, capacity, enrol, **extra):
        dates = in_session(done, days)
        return ClassRow(code(n), institution, occupation, line, "in_progress", dates[0], days, capacity, enrol,
                        dates=dates, **extra)

    rows = [
        ClassRow(code(1), SCHOOL, "焊工", LINE_MIGRANT, "closed", *ending(-150, 12), 45, 40),
        ClassRow(code(2), XINYUAN, "中式烹调师", LINE_MIGRANT, "closed", *ending(-140, 10), 35, 32),
        ClassRow(code(3), TECH, "电工", LINE_MIGRANT, "closed", *ending(-125, 12), 40, 34),
        # Both instalments paid and the window over: HR settles (结算) it.
        ClassRow(code(4), CENTRE, "叉车司机", LINE_UNEMPLOYED, "completed", *ending(-105, 8), 30, 28,
                 hours=(4, 3), practical_share=0.66),
        # The employment window closed last week: the second instalment is due (R7).
        ClassRow(code(5), SCHOOL, "电子商务师", LINE_UNEMPLOYED, "completed", *window_closed(7, 10), 40, 36),
        ClassRow(code(6), XINYUAN, "育婴员", LINE_UNEMPLOYED, "completed", *window_closed(8, 10), 45, 38,
                 hours=(4, 3)),
        # First instalments at every step of HR's review.
        ClassRow(code(7), HRCO, "仓储管理员", LINE_MIGRANT, "completed", *ending(-50, 12), 40, 34),
        ClassRow(code(8), CENTRE, "养老护理员", LINE_CARER, "completed", *ending(-30, 10), 40, 36),
        ClassRow(code(9), TECH, "设施蔬菜种植", LINE_MIGRANT, "completed", *ending(-26, 10), 30, 27),
        ClassRow(code(10), LUAN, "焊工", LINE_MIGRANT, "completed", *ending(-21, 10), 30, 28),
        ClassRow(code(11), SCHOOL, "电工", LINE_MIGRANT, "completed", *ending(-19, 12), 40, 35),
        ClassRow(code(12), XINYUAN, "养老护理员", LINE_CARER, "completed", *ending(-22, 10), 40, 37),
        ClassRow(code(13), TECH, "乡村旅游服务", LINE_MIGRANT, "completed", *ending(-17, 8), 35, 30),
        ClassRow(code(14), CENTRE, "家政服务员", LINE_UNEMPLOYED, "completed", *ending(-15, 10), 40, 33),
        # Ended two weeks ago, certificates out: the first instalment is to be claimed.
        ClassRow(code(15), SCHOOL, "焊工", LINE_MIGRANT, "completed", *ending(-12, 12), 45, 40),
        ClassRow(code(16), XINYUAN, "家政服务员", LINE_UNEMPLOYED, "completed", *ending(-11, 10), 40, 36),
        # Assessed last week; the evaluation body has the certificates to record (三(六)).
        ClassRow(code(17), HRCO, "电子商务师", LINE_UNEMPLOYED, "completed", *ending(-4, 8), 40, 32),
        # In session today.
        running(18, SCHOOL, "焊工", LINE_MIGRANT, 4, 10, 45, 38),
        running(19, XINYUAN, "养老护理员", LINE_CARER, 3, 10, 40, 35),
        running(20, LUAN, "仓储管理员", LINE_MIGRANT, 6, 12, 30, 26),
        ClassRow(code(21), TECH, "食用菌生产", LINE_MIGRANT, "approved", wd(3), 8, 30, 18,
                 submitted_on=wd(-12), decided_on=wd(-9)),
        ClassRow(code(22), LUAN, "电工", LINE_MIGRANT, "submitted", wd(8), 10, 30, submitted_on=wd(-2)),
        ClassRow(code(23), SCHOOL, "电工", LINE_MIGRANT, "draft", wd(15), 10, 40),
        ClassRow(code(24), XINYUAN, "中式烹调师", LINE_MIGRANT, "draft", wd(18), 10, 35),
        ClassRow(code(25), SCHOOL, "电子商务师", LINE_UNEMPLOYED, "returned", wd(12), 10, 40,
                 submitted_on=wd(-6), decided_on=wd(-3),
                 decision_note="退回修改:请在学员来源计划中写明各乡镇推荐人数,并补充实操指导教师的"
                               "电子商务师职业技能等级证书(《实施方案》三(五))。"),
        ClassRow(code(26), XINYUAN, "育婴员", LINE_UNEMPLOYED, "returned", wd(10), 10, 45, hours=(4, 3),
                 submitted_on=wd(-5), decided_on=wd(-2),
                 decision_note="退回修改:教学计划中的实操实训内容请细化到每天,并写明婴儿护理模型等实训设备的"
                               "数量(《实施方案》三(五))。"),
        ClassRow(code(27), HRCO, "育婴员", LINE_UNEMPLOYED, "rejected", wd(-20), 10, 40,
                 submitted_on=wd(-35), decided_on=wd(-30),
                 decision_note="不予批准:该机构仍未配备育婴实训室及婴儿护理模型等实训设备,不具备开班条件"
                               "(《实施方案》三(五))。"),
        ClassRow(code(28), TECH, "焊工", LINE_MIGRANT, "cancelled", wd(-40), 10, 40,
                 submitted_on=wd(-55), decided_on=wd(-50), cancelled_on=wd(-45)),
    ]
    by_code = {row.code: row for row in rows}
    claims = [claim for n in (1, 2, 3, 4) for claim in settled_claims(by_code[code(n)])]
    claims += [settled_claims(by_code[code(n)])[0] for n in (5, 6, 7)]
    claims += [
        ClaimRow(code(8), "first", "payable", wd(-17)),
        ClaimRow(code(9), "first", "publicised", wd(-13)),  # the notice ended three days ago
        ClaimRow(code(10), "first", "publicised", wd(-8)),  # on notice today
        ClaimRow(code(11), "first", "approved", wd(-6)),
        ClaimRow(code(12), "first", "draft", wd(-9),
                 return_reason="退回修改:请核对申领明细中每名学员的证书编号,并附结业考核成绩表后重新提交。"),
        ClaimRow(code(13), "first", "reviewed", wd(-4)),
        ClaimRow(code(14), "first", "submitted", wd(-2)),
    ]
    return YearSpec(
        year=year, today=today, is_closed=False, seed=year, classes=tuple(rows), claims=tuple(claims),
        inspections=(
            (code(18), "on_site", wd(-1),
             "实地查看焊接实训车间:学员按时到课,与当日考勤一致;实操课按教学计划进行,焊机及排烟设备运行正常,"
             "安全防护用品配发到人。", "", True),
            (code(20), "video", wd(-2),
             "调阅前一日下午实操课监控录像:到课人数与考勤记录一致;发现签到时段有学员代他人签到迹象。",
             "要求机构即日起启用人脸识别签到,对代签学员进行批评教育;县人社局将于结业前再次抽查。", True),
        ),
        withdrawals={code(7): (3, "已在外地找到工作,本人申请退学"),
                     code(19): (2, "家中老人生病需要照顾,本人申请退学")},
        poor_attendance=(code(11), code(18)), awaiting_certificates=(code(17),),
        trainee_count=480, birth_from=date(year - 58, 1, 1), birth_years=40,
        pilot_from=add_working_days(today, -180), waiting_vouchers=(today - timedelta(days=40), wd(-1)),
        waiting_status="issued", late_registrations=(today - timedelta(days=60), wd(-1)),
        plan_published_on=add_working_days(today, -200), parallel_approved_on=add_working_days(today, -190),
        anchor_class=anchor_class_code(year), anomaly_class=code(7),
    )


# ---------------------------------------------------------------------------------------------
# Employers of trained people (R7), vouchers (四(三)), small enterprises (四(四)).

EMPLOYERS = {  # (name, credit code or "" when the demo does not know it)
    "equipment": [
        (LUAN, INSTITUTION_BY_NAME[LUAN].credit_code),
        ("长治县鑫达钢结构有限公司", credit_code("91140421", "MA0GT5K2")),
        ("长治市华晟重型机械有限公司", credit_code("91140400", "11012347")),
        ("长治县恒信机电设备安装部", ""),
    ],
    "logistics": [
        ("长治县顺通物流有限公司", credit_code("91140421", "MA0H2R7N")),
        ("山西长治东方仓储有限公司", credit_code("91140400", "MA0GP3L8")),
        ("韩店镇惠民超市配送中心", ""),
    ],
    "care": [
        ("长治县社会福利中心", credit_code("12140421", "40709931")),
        ("长治县康宁老年公寓", credit_code("52140421", "MJ053318")),
        ("长治县人民医院(护工岗位)", credit_code("12140421", "40707520")),
    ],
    "domestic": [
        ("长治县爱心家政服务有限公司", credit_code("91140421", "MA0GW6B3")),
        ("长治市好月嫂家政服务有限公司", credit_code("91140400", "MA0H0C41")),
        ("苏店镇幸福里托育中心", ""),
    ],
    "ecommerce": [
        ("长治县上党农特产品电子商务有限公司", credit_code("91140421", "MA0GY2D6")),
        ("山西黎都电子商务有限公司", credit_code("91140400", "MA0GU8E5")),
        ("苏店镇村级电商服务站", ""),
    ],
    "catering": [
        ("长治县太行大酒店有限公司", credit_code("91140421", "73190245")),
        ("长治县上党宴餐饮有限公司", credit_code("91140421", "MA0H3F09")),
        ("韩店镇王记农家乐", ""),
    ],
    "agriculture": [
        ("长治县苏店镇绿源蔬菜专业合作社", credit_code("93140421", "MA0GQ4H7")),
        ("长治县西火镇富民种植专业合作社", credit_code("93140421", "MA0GR1J3")),
    ],
}
SMALL_ENTERPRISE = EMPLOYERS["equipment"][1]  # 鑫达钢结构: hires a welder of the archive's first class (R15)
# R15 (四(四), 工信部联企业〔2011〕300号): the enterprise's figures for the year before the hire, by
# which it is a small 工业 enterprise (20-299 employees, 300-1999万元 revenue), and their evidence.
SMALL_ENTERPRISE_SIZE = {"industry": "manufacturing", "employees": 38, "revenue_10k": Decimal("1260.00")}


def small_enterprise_evidence(year: int) -> bytes:
    """The small enterprise's `year` figures as HR files them with its subsidies: a Word file."""
    name, code = SMALL_ENTERPRISE
    return word_document([
        f"{name}(统一社会信用代码{code}){year}年度企业规模情况说明",
        "所属行业:工业(金属结构制造)",
        f"年末从业人员:{SMALL_ENTERPRISE_SIZE['employees']}人(以社会保险缴费人数为准)",
        f"全年营业收入:{SMALL_ENTERPRISE_SIZE['revenue_10k']:f}万元(以年度财务报表和纳税申报表为准)",
        "附:年度财务报表、企业所得税年度纳税申报表、社会保险缴费人数证明",
    ])


VOUCHER_REDEEMED = 12
VOUCHER_ISSUED = 16

# ---------------------------------------------------------------------------------------------
# People.

SURNAMES = (
    ("王", 10), ("李", 9), ("张", 8), ("刘", 6), ("陈", 4), ("杨", 5), ("赵", 5), ("黄", 2), ("周", 3),
    ("吴", 2), ("郭", 6), ("申", 4), ("牛", 4), ("秦", 4), ("常", 4), ("郝", 3), ("武", 3), ("宋", 3),
    ("苗", 2), ("崔", 2), ("路", 2), ("暴", 2), ("连", 2), ("焦", 2), ("霍", 2), ("马", 3), ("韩", 3),
    ("贾", 2),
)
GIVEN_MALE = "建国军伟强磊鹏志明海涛斌杰超亮勇波刚俊晋宇浩文华平利东红兵忠宏斌峰龙飞雷锋学永旺"
GIVEN_FEMALE = "丽娟芳燕霞红梅艳敏静玲萍英慧婷琴秀兰丹晓雪倩娜莉云凤珍翠彩瑞霞丽花巧"
MOBILE_PREFIXES = ("130", "131", "132", "134", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "157", "158", "159", "180", "182", "183", "186", "187", "188")
TEACHER_TITLES = {  # theory teacher's title, practical teacher's title
    "skill_level": ("讲师", "高级技师"), "qualification": ("高级讲师", "技师"),
    "special_ability": ("农艺师", "专项能力考评员"), "training": ("讲师", "企业技术骨干"),
}
EVIDENCE_KINDS = (("contract", 5), ("social_insurance", 3), ("employer_letter", 2))


# ---------------------------------------------------------------------------------------------
# The plan.


@dataclass
class PlannedTrainee:
    id_number: str
    name: str
    sex: str
    birth_on: date
    phone: str
    township: str
    education: str
    address: str
    categories: list  # (category, held_from, evidence)
    registered_on: date | None = None
    reserved: bool = False  # kept off rosters: holds a voucher not yet used, or may be given one
    busy: list = field(default_factory=list)  # (start, end, occupation) of planned classes

    @property
    def registered_by(self):
        return OFFICIAL_BY_TOWNSHIP.get(self.township)


@dataclass
class PlannedSession:
    held_on: date
    starts_at: time
    hours: Decimal
    kind: str
    topic: str
    teacher: str


@dataclass
class PlannedEnrolment:
    id_number: str
    source: str
    category: str
    enrolled_on: date
    withdrawn_on: date | None = None
    withdrawal_reason: str = ""
    absences: dict = field(default_factory=dict)  # session index -> hours present (None: absent)
    is_poor_attendance: bool = False
    assessment: tuple | None = None  # (result, theory score, practical score)
    certificate_number: str = ""
    certificate_level: str = ""
    employment: dict | None = None

    def marks(self, sessions):
        """(session, is_present, hours_present) for each session up to a withdrawal: the trainee
        is on the roster of the withdrawal day's sessions (and absent from them), not after."""
        for index, session in enumerate(sessions):
            if self.withdrawn_on and session.held_on > self.withdrawn_on:
                break
            if self.withdrawn_on == session.held_on:
                yield session, False, None
            elif index in self.absences:
                hours = self.absences[index]
                yield session, hours is not None, hours
            else:
                yield session, True, None

    def attendance_rate(self, sessions):
        scheduled = attended = Decimal("0")
        for session, present, hours in self.marks(sessions):
            scheduled += session.hours
            attended += (session.hours if hours is None else hours) if present else 0
        return attended / scheduled if scheduled else Decimal("0")


@dataclass
class PlannedClass:
    row: ClassRow
    days: list  # the planned training days
    total_hours: int
    practical_hours: int
    sessions: list  # PlannedSession held so far (today's included)
    teachers: list  # (name, title, subject)
    today: date
    enrolments: list = field(default_factory=list)
    roster_plan: str = ""
    name: str = ""

    @property
    def occupation(self):
        return OCCUPATION_BY_NAME[self.row.occupation]

    @property
    def institution(self):
        return INSTITUTION_BY_NAME[self.row.institution]

    @property
    def end_on(self):
        return self.days[-1]

    @property
    def marked_sessions(self):
        """The sessions whose attendance is recorded: all but today's, which await the clerk."""
        return [s for s in self.sessions if s.held_on < self.today]

    @property
    def certificates_issued_on(self):
        return add_working_days(self.end_on, CERTIFICATE_DAYS)

    @property
    def clerk(self):
        return CLERK_BY_INSTITUTION.get(self.row.institution)

    @property
    def submitted_on(self):
        if self.row.status not in SUBMITTED_STATUSES + ("cancelled",):
            return None
        return self.row.submitted_on or add_working_days(self.days[0], -10)

    @property
    def decided_on(self):
        if self.row.status not in DECIDED_STATUSES + ("cancelled",):
            return None
        return self.row.decided_on or add_working_days(self.submitted_on, 3)

    @property
    def created_on(self):
        if self.row.status == "draft":
            return add_working_days(self.today, -2)
        return add_working_days(self.submitted_on, -2)


@dataclass
class PlannedVoucher:
    code: str
    holder: str  # id number
    township: str
    issued_on: date
    expires_on: date
    status: str
    enrolment: tuple | None = None  # (class code, id number)
    redeemed_on: date | None = None

    @property
    def issued_by(self):
        return OFFICIAL_BY_TOWNSHIP[self.township]


@dataclass
class Plan:
    spec: YearSpec
    trainees: list
    classes: list
    vouchers: list
    small_enterprise_hire: str  # id number, or ""

    def trainee(self, id_number):
        return self._trainees[id_number]

    def klass(self, code):
        return self._classes[code]

    def __post_init__(self):
        self._trainees = {t.id_number: t for t in self.trainees}
        self._classes = {c.row.code: c for c in self.classes}


def build_plan(spec, taken=None):
    """A whole demo year, drawn in a fixed order from random.Random(spec.seed). `taken` holds
    the ID numbers, names and phones of the years planned before, so nobody is invented twice."""
    rng = random.Random(spec.seed)
    taken = taken if taken is not None else {"ids": set(), "names": set(), "phones": set()}
    trainees = plan_trainees(rng, spec, taken)
    reserve_voucher_holders(rng, trainees)
    classes = [plan_class(rng, row, spec) for row in spec.classes]
    plan_rosters(rng, classes, trainees, spec)
    plan_attendance(rng, classes, spec)
    plan_results(rng, classes, spec)
    hire = plan_employment(rng, classes, spec)
    vouchers = plan_vouchers(rng, classes, trainees, spec)
    plan_registration(rng, classes, trainees, vouchers, spec)
    return Plan(spec, trainees, classes, vouchers, hire)


def build_plans(live_today):
    """The archive year and the live year around `live_today`, in that order."""
    taken = {"ids": set(), "names": set(), "phones": set()}
    return [build_plan(archive_year(), taken), build_plan(live_year(live_today), taken)]


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _random_day(rng, first, last):
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def plan_trainees(rng, spec, taken):
    """People of the eleven townships of the ages the year asks for, with their categories."""
    trainees = []
    ids, phones, names = taken["ids"], taken["phones"], taken["names"]
    categories_before = spec.first_start - timedelta(days=1)
    for _ in range(spec.trainee_count):
        township = _weighted(rng, [(t, t.weight) for t in TOWNSHIPS])
        is_male = rng.random() < 0.58
        span = spec.birth_years * 365 - 1
        birth_on = spec.birth_from + timedelta(days=int(rng.triangular(0, span, span * 19 // 42)))
        number = ""
        while not number or number in ids:
            sequence = rng.randrange(0, 1000)
            sequence += (1 if is_male else 0) - sequence % 2
            number = id_number(birth_on, sequence % 1000)
        ids.add(number)
        name = ""
        while not name or name in names:
            surname = _weighted(rng, SURNAMES)
            pool = GIVEN_MALE if is_male else GIVEN_FEMALE
            given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.72 else "")
            name = surname + given
        names.add(name)
        phone = ""
        while not phone or phone in phones:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        phones.add(phone)
        age = spec.year - birth_on.year
        education = _education(rng, age)
        address = f"长治县{township.name}{rng.choice(township.villages)}{rng.randint(1, 168)}号"
        trainees.append(PlannedTrainee(
            number, name, "M" if is_male else "F", birth_on, phone, township.name, education, address,
            _categories(rng, age, education, categories_before),
        ))
    return trainees


def _education(rng, age):
    if age <= 19:
        table = (("junior", 5), ("senior", 4), ("vocational", 1))
    elif age <= 32:
        table = (("junior", 3), ("senior", 2), ("vocational", 3), ("college", 2), ("bachelor", 1))
    elif age <= 47:
        table = (("primary", 1), ("junior", 6), ("senior", 2), ("vocational", 2), ("college", 1))
    else:
        table = (("primary", 4), ("junior", 5), ("senior", 1))
    return _weighted(rng, table)


def _categories(rng, age, education, before):
    """One or two eligible categories (三(一)), held since before the first class of the year."""
    if age <= 19:
        first = _weighted(rng, (("school_leaver", 7), ("rural_labour", 3)))
    elif age <= 26 and education in ("college", "bachelor"):
        first = "college_graduate"
    else:
        first = _weighted(rng, (("rural_labour", 44), ("migrant_worker", 24), ("urban_unemployed", 28),
                                ("veteran", 4)))
    chosen = [first]
    if rng.random() < 0.3:
        second = _weighted(
            rng, (("poor_family", 4), ("migrant_worker", 3), ("rural_labour", 3), ("veteran", 1))
        )
        if second not in chosen and not (second == "veteran" and age < 22):
            chosen.append(second)
    return [_category_held(rng, category, before) for category in chosen]


def _category_held(rng, category, before):
    """When the category began, and its evidence, for a category held on `before`."""
    evidence = ""
    graduation = date(before.year - 1, 7, 1)
    if category == "urban_unemployed":
        held_from = _random_day(rng, before - timedelta(days=425), before)
        evidence = f"失业登记证 {REGION}{held_from:%Y}{rng.randrange(10**6):06d}"
    elif category == "school_leaver":
        held_from, evidence = graduation + timedelta(days=9), "初高中毕业证书"
    elif category == "college_graduate":
        held_from, evidence = graduation, f"毕业证书编号 {rng.randrange(10**17, 10**18)}"
    elif category == "poor_family":
        held_from, evidence = date(before.year - 2, 3, 1), "建档立卡贫困户"
    elif category == "veteran":
        held_from = _random_day(rng, before - timedelta(days=8 * 365), before - timedelta(days=120))
        evidence = "退役证"
    elif category == "migrant_worker":
        held_from, evidence = _random_day(rng, before - timedelta(days=4 * 365), before), "村委会证明"
    else:
        held_from, evidence = _random_day(rng, before - timedelta(days=3 * 365), before), "村委会证明"
    return category, held_from, evidence


def plan_class(rng, row, spec):
    """Days, hours and the sessions held by the year's today (three in four of them practical)."""
    occupation = OCCUPATION_BY_NAME[row.occupation]
    days = class_days(row)
    blocks = [(slot, day) for slot in (0, 1) for day in days]  # mornings, then afternoons
    groups = {}
    for slot, day in blocks:
        groups.setdefault(row.hours[slot], []).append((slot, day))
    total = sum(row.hours[slot] for slot, _ in blocks)
    practical_counts = _practical_counts(groups, total, row.practical_share)
    practical = set()
    for members, count in zip(groups.values(), practical_counts, strict=True):
        practical.update(sorted(members, key=lambda b: (b[1], b[0]))[len(members) - count:])
    practical_hours = sum(row.hours[slot] for slot, _ in practical)
    theory_title, practical_title = TEACHER_TITLES[occupation.certificate_kind]
    if "技师" in practical_title:
        practical_title = occupation.name + practical_title
    teachers = [(_teacher_name(rng), theory_title, "理论教学"), (_teacher_name(rng), practical_title, "实操指导")]
    held = {
        "completed": days, "closed": days,
        "in_progress": [d for d in days if d <= spec.today],
    }.get(row.status, [])
    sessions, counters = [], {"theory": 0, "practical": 0}
    for day in held:
        for slot in (0, 1):
            kind = "practical" if (slot, day) in practical else "theory"
            topics = occupation.practical if kind == "practical" else occupation.theory
            topic = topics[counters[kind] % len(topics)]
            counters[kind] += 1
            sessions.append(PlannedSession(
                day, time(8, 30) if slot == 0 else time(14, 0), Decimal(row.hours[slot]), kind, topic,
                teachers[1 if kind == "practical" else 0][0],
            ))
    return PlannedClass(row, days, total, practical_hours, sessions, teachers, spec.today)


def _practical_counts(groups, total, target):
    """How many blocks of each length are practical: closest to the target share, at least 65%."""
    sizes = [(hours, len(members)) for hours, members in groups.items()]
    best = None
    for counts in _combinations([n for _, n in sizes]):
        share = sum(h * c for (h, _), c in zip(sizes, counts, strict=True)) / total
        if share < 0.65:
            continue
        key = (abs(share - target), -share)
        if best is None or key < best[0]:
            best = (key, counts)
    return best[1]


def _combinations(limits):
    if not limits:
        yield ()
        return
    for first in range(limits[0] + 1):
        for rest in _combinations(limits[1:]):
            yield (first, *rest)


def _teacher_name(rng):
    pool = GIVEN_MALE if rng.random() < 0.6 else GIVEN_FEMALE
    return _weighted(rng, SURNAMES) + rng.choice(pool) + rng.choice(pool)


def plan_rosters(rng, classes, trainees, spec):
    """Fill each roster: no trainee in two overlapping classes, at most three classes a year,
    never the same occupation twice (R16); people of the right sex and category preferred."""
    for klass in classes:
        row = klass.row
        occupation = klass.occupation
        townships_seen = {}
        if row.enrol:
            start, end = klass.days[0], klass.days[-1]
            fitting = LINE_CATEGORIES[row.line]
            candidates = [
                t for t in trainees
                if not t.reserved and len(t.busy) < 3
                and all(end < s or start > e for s, e, _ in t.busy)
                and all(o != row.occupation for _, _, o in t.busy)
            ]
            keyed = []
            for trainee in candidates:
                share = occupation.female_share if trainee.sex == "F" else 1 - occupation.female_share
                fits = not fitting or any(c in fitting for c, _, _ in trainee.categories)
                weight = max(share, 0.02) * (4 if fits else 1) * (1.5 if not trainee.busy else 1)
                keyed.append((rng.random() ** (1 / weight), trainee))
            keyed.sort(key=lambda pair: -pair[0])
            chosen = [t for _, t in keyed[: row.enrol]]
            for trainee in chosen:
                trainee.busy.append((start, end, row.occupation))
                enrolled_on = min(start - timedelta(days=rng.randint(3, 12)), spec.today - timedelta(days=1))
                if row.institution == LUAN:  # 先培训后上岗: the company's new hires (三(四))
                    source = "employer"
                    hired_on = enrolled_on - timedelta(days=rng.randint(1, 6))
                    trainee.categories.append(("employee", hired_on, f"{LUAN}劳动合同"))
                else:
                    source = "self" if rng.random() < 0.06 else "township"
                held = [c for c, since, _ in trainee.categories if since <= start]
                category = next((c for c in held if not fitting or c in fitting), held[0])
                klass.enrolments.append(PlannedEnrolment(trainee.id_number, source, category, enrolled_on))
                townships_seen[trainee.township] = townships_seen.get(trainee.township, 0) + 1
        top = sorted(townships_seen, key=lambda name: -townships_seen[name])[:2] or ["韩店镇", "苏店镇"]
        people = {
            LINE_MIGRANT: "农村劳动力和进城务工人员", LINE_UNEMPLOYED: "城镇失业人员和未继续升学的毕业生",
            LINE_CARER: "有意从事养老护理工作的人员",
        }[row.line]
        if len(top) == 1:
            top.append("周边乡镇")
        klass.roster_plan = (
            f"由{top[0]}、{top[1]}等乡镇人社所推荐{people},计划招收{row.capacity}人;"
            "持培训券人员可直接报名;开班前3天截止报名。"
        )
        same = [c for c in classes[: classes.index(klass) + 1] if c.row.occupation == row.occupation]
        klass.name = f"{spec.year}年第{len(same)}期{row.occupation}培训班"
        if row.code in spec.withdrawals and klass.enrolments:
            day_index, reason = spec.withdrawals[row.code]
            enrolment = rng.choice(klass.enrolments)
            enrolment.withdrawn_on, enrolment.withdrawal_reason = klass.days[day_index - 1], reason


def plan_attendance(rng, classes, spec):
    """About 97% present; a few late arrivals; one trainee in a few classes far below 85% (R3)."""
    for klass in classes:
        sessions = klass.marked_sessions
        if not sessions or not klass.enrolments:
            continue
        poor = None
        if klass.row.code in spec.poor_attendance:
            poor = rng.choice([e for e in klass.enrolments if not e.withdrawn_on])
            poor.is_poor_attendance = True
        for enrolment in klass.enrolments:
            if enrolment is poor:
                missed = rng.sample(range(len(sessions)), k=math.ceil(len(sessions) * 0.3))
                enrolment.absences = dict.fromkeys(missed)
                continue
            for index, session in enumerate(sessions):
                draw = rng.random()
                if draw < 0.025:
                    enrolment.absences[index] = None
                elif draw < 0.035:
                    enrolment.absences[index] = session.hours - Decimal(rng.choice(("1", "1.5", "2")))
            # Keep ordinary trainees clear of the threshold: forgive the latest absences.
            for index in sorted(enrolment.absences, reverse=True):
                if enrolment.attendance_rate(sessions) >= Decimal("0.90"):
                    break
                del enrolment.absences[index]


def plan_results(rng, classes, spec):
    """Assessment after completion (not for withdrawn trainees or those below 85%), and a
    certificate of the occupation's kind for those who passed (三(六), R12), except in a class
    whose certificates are still to come."""
    number = 0
    for klass in classes:
        if klass.row.status not in COMPLETED_STATUSES:
            continue
        for enrolment in klass.enrolments:
            if enrolment.withdrawn_on or enrolment.attendance_rate(klass.sessions) < Decimal("0.85"):
                continue
            draw = rng.random()
            if draw < 0.05:
                enrolment.assessment = ("failed", _score(rng, 48, 78), _score(rng, 38, 59))
            elif draw < 0.06:
                enrolment.assessment = ("absent", None, None)
            else:
                enrolment.assessment = ("passed", _score(rng, 62, 96), _score(rng, 65, 97))
                if klass.row.code in spec.awaiting_certificates:
                    continue
                number += 1
                enrolment.certificate_number = f"{spec.year % 100}{REGION}{number:05d}"
                if klass.occupation.certificate_kind == "skill_level":
                    enrolment.certificate_level = "4" if rng.random() < 0.15 else "5"


def _score(rng, low, high):
    return Decimal(rng.randint(low * 2, high * 2)) / 2


def plan_employment(rng, classes, spec):
    """Jobs within three months of the class end for about six in ten of those certified (R7),
    never at the training institution itself nor at an employer without a credit code (R23),
    recorded by the day before the year's today; the
    archive's first welder is hired by a small enterprise (R15). Returns that welder's ID."""
    claim_days = spec.claim_days
    hire = ""
    yesterday = spec.today - timedelta(days=1)
    for klass in classes:
        if klass.row.status not in COMPLETED_STATUSES:
            continue
        window_ends = add_calendar_months(klass.end_on, PLAN.employment_window_months)
        second_claim_on = claim_days.get((klass.row.code, "second"))
        cap = min(yesterday, second_claim_on - timedelta(days=1)) if second_claim_on else yesterday
        chance = 0.65 if second_claim_on else 0.58
        employers = [e for e in EMPLOYERS[klass.occupation.employers] if e[1] != klass.institution.credit_code]
        certified = [e for e in klass.enrolments if e.certificate_number]
        # R23: a job at an employer without a credit code counts only with HR's written note,
        # which the demo does not write: such a draw goes to the first employer with a code.
        coded = [e for e in employers if e[1]]
        for enrolment in certified:
            employer, code = rng.choice(employers)
            if not code:
                employer, code = coded[0]
            started_on = klass.end_on + timedelta(days=rng.randint(4, 85))
            is_employed = rng.random() < chance
            evidence = _weighted(rng, EVIDENCE_KINDS)
            months = {"contract": rng.choice((12, 12, 24, 36)), "social_insurance": rng.choice((6, 12, None))}
            recorded_after, verified_after = rng.randint(2, 8), rng.randint(3, 15)
            verify = bool(second_claim_on) or rng.random() < 0.6
            if not hire and spec.small_enterprise and klass.row.code == spec.small_enterprise[0]:
                hire, is_employed, verify = enrolment.id_number, True, True
                (employer, code), evidence = SMALL_ENTERPRISE, "contract"
                started_on, months["contract"] = spec.small_enterprise[1], 12
            if not is_employed or started_on > cap:
                continue
            recorded_on = min(started_on + timedelta(days=recorded_after), cap)
            verified_on = min(recorded_on + timedelta(days=verified_after), cap) if verify else None
            enrolment.employment = {
                "employer_name": employer, "employer_credit_code": code, "started_on": started_on,
                "contract_months": months.get(evidence), "evidence_kind": evidence,
                "recorded_on": recorded_on, "verified_on": verified_on,
            }
        # One job found too late for the second instalment (R7), to show the window at work.
        if klass.row.code == spec.late_job_class:
            late = next(e for e in reversed(certified) if e.employment is None)
            late.employment = {
                "employer_name": EMPLOYERS["equipment"][2][0], "employer_credit_code": EMPLOYERS["equipment"][2][1],
                "started_on": window_ends + timedelta(days=20), "contract_months": None,
                "evidence_kind": "employer_letter", "recorded_on": window_ends + timedelta(days=24),
                "verified_on": None,
            }
    return hire


def plan_vouchers(rng, classes, trainees, spec):
    """Training vouchers of the 韩店镇 and 苏店镇 pilot (四(三)): some redeemed at enrolment,
    some waiting (expired once the archive year is over), one cancelled (R14)."""
    vouchers = []
    township_of = {t.id_number: t.township for t in trainees}
    year_end = date(spec.year, 12, 31)
    eligible = [
        (klass, e) for klass in classes for e in klass.enrolments
        if klass.days[0] >= spec.pilot_from and e.source == "township"
        and township_of[e.id_number] in OFFICIAL_BY_TOWNSHIP
    ]
    for klass, enrolment in sorted(rng.sample(eligible, VOUCHER_REDEEMED), key=lambda p: p[1].enrolled_on):
        enrolment.source = "voucher"
        township = township_of[enrolment.id_number]
        issued_on = max(enrolment.enrolled_on - timedelta(days=rng.randint(3, 20)), spec.pilot_from)
        vouchers.append(PlannedVoucher(
            "", enrolment.id_number, township, issued_on, year_end, "redeemed",
            (klass.row.code, enrolment.id_number), enrolment.enrolled_on,
        ))
    waiting = [t for t in trainees if t.reserved]
    for trainee in waiting[:VOUCHER_ISSUED]:
        issued_on = _random_day(rng, *spec.waiting_vouchers)
        vouchers.append(PlannedVoucher("", trainee.id_number, trainee.township, issued_on, year_end,
                                       spec.waiting_status))
    cancelled = waiting[VOUCHER_ISSUED]
    vouchers.append(PlannedVoucher("", cancelled.id_number, cancelled.township,
                                   _random_day(rng, spec.pilot_from, spec.waiting_vouchers[0]), year_end,
                                   "cancelled"))
    vouchers.sort(key=lambda v: (v.issued_on, v.holder))
    for number, voucher in enumerate(vouchers, start=1):
        voucher.code = f"QJ{spec.year}-{number:06d}"
    return vouchers


def plan_registration(rng, classes, trainees, vouchers, spec):
    """Registration day: before the person's first enrolment or voucher."""
    first_use = {}
    for klass in classes:
        for e in klass.enrolments:
            first_use[e.id_number] = min(first_use.get(e.id_number, e.enrolled_on), e.enrolled_on)
    for v in vouchers:
        first_use[v.holder] = min(first_use.get(v.holder, v.issued_on), v.issued_on)
    floor = spec.first_start - timedelta(days=30)
    for trainee in trainees:
        if trainee.id_number in first_use:
            registered_on = first_use[trainee.id_number] - timedelta(days=rng.randint(0, 20))
            trainee.registered_on = min(max(registered_on, floor), first_use[trainee.id_number])
        else:
            trainee.registered_on = _random_day(rng, *spec.late_registrations)


def reserve_voucher_holders(rng, trainees):
    """Set aside people of the pilot townships, registered and never on a roster: most hold a
    voucher not yet used, a few none (the township may issue them one)."""
    pilot = [t for t in trainees if t.township in OFFICIAL_BY_TOWNSHIP]
    for trainee in rng.sample(pilot, VOUCHER_ISSUED + 6):
        trainee.reserved = True
