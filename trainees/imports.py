"""Trainee registration from a spreadsheet (township portal; HR in the admin for any township)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.scope import scope_of
from common.bulk import insert_history, insert_rows
from common.imports import Column, Plan, SheetImport
from programme.models import Township
from trainees.models import CategoryMembership, Education, Trainee, TraineeCategory
from trainees.policy import (
    category_held_from,
    ensure_registration_details,
    may_act_for_township,
    parse_id_number,
    person_label,
)
from trainees.services import new_trainee

BATCH = 1000


class TraineeRegistration(SheetImport):
    """One row per person. A person already registered (in any township) is reported and left
    unchanged; a person twice in the sheet is an error; nothing is written unless every row is
    clean. Each row is judged by the decisions of `trainees.services.register_trainee`, the
    policy functions it calls (trainees.policy), and written in bulk."""

    title = "学员登记"

    def __init__(self, *, user, **context):
        super().__init__(user=user, **context)
        self.scope = scope_of(user)
        self.townships = {t.name: t for t in Township.objects.order_by("pk") if may_act_for_township(
            is_hr=self.scope.acts_in_county(t.county_id), own_township_id=self.scope.township_id, township_id=t.pk)}
        self.columns = [
            Column("身份证号", "id_number", kind="id_number", width=22,
                   note="18位居民身份证号,末位X大写小写均可;本列为文本格式,请勿改为数字。出生日期和性别由身份证号自动生成。"),
            Column("姓名", "name", note="与身份证一致。"),
            Column("联系电话", "phone", required=False, kind="phone", width=16,
                   note="手机号11位;座机请带区号,如 0355-1234567。本列为文本格式。"),
            Column("所属乡镇", "township", kind="choice", choices=tuple(self.townships),
                   values=tuple(self.townships), note="从下拉列表选择;乡镇工作人员只能登记本乡镇学员。"),
            Column("文化程度", "education", required=False, kind="choice",
                   choices=tuple(label for _, label in Education.choices), values=tuple(Education.values)),
            Column("培训对象类别", "category", kind="choice", width=24,
                   choices=tuple(label for _, label in TraineeCategory.choices), values=tuple(TraineeCategory.values),
                   note="《实施方案》三(一)规定的培训对象类别,从下拉列表选择一项。"),
            Column("类别起始日期", "held_from", required=False, kind="date",
                   note="取得该类别的日期,如失业登记日期;不填为今天。格式 2018-05-14、2018/5/14 或 2018年5月14日。"),
            Column("住址", "address", required=False, width=30),
        ]

    def check(self, rows, errors) -> Plan:
        plan = Plan(errors=errors)
        today = timezone.localdate()
        seen = {}
        bad_rows = {e.row for e in errors}
        candidates = []
        for number, item in enumerate(rows):
            self.report(number, len(rows), "逐行检查")
            # Every check runs on every row (a cell that could not be read is None and skipped),
            # so a bad ID number does not hide the same row's bad phone until the next upload.
            found = []
            info = None
            if item["id_number"]:
                try:
                    info = parse_id_number(item["id_number"], today=today)
                except ValidationError as error:
                    found.append(self.error(item, "id_number", error.messages[0]))
            if info is not None and info.number in seen:
                found.append(self.error(item, "id_number", f"与第{seen[info.number]}行是同一人,请删除重复行。"))
            elif info is not None:
                seen[info.number] = item["_row"]
            # The rows are written in bulk, without the model's checks: the registration's own are run.
            try:
                ensure_registration_details(name=item["name"], phone=item["phone"], address=item["address"])
            except ValidationError as error:
                found.extend(self.refusal_errors(item, error))
            plan.errors.extend(found)
            if found or item["_row"] in bad_rows:
                continue
            candidates.append((item, info))
        existing = {}
        numbers = [info.number for _, info in candidates]
        for start in range(0, len(numbers), BATCH):
            for number, name, township_id, township in Trainee.objects.filter(
                    id_number__in=numbers[start:start + BATCH]).values_list("id_number", "name", "township_id",
                                                                           "township__name"):
                existing[number] = (name, township_id, township)
        for number, (item, info) in enumerate(candidates):
            self.report(number, len(candidates), "核对已登记学员")
            if info.number in existing:
                name, township_id, township = existing[info.number]
                # Another township's person is named as the registration screen names them.
                visible = self.scope.is_hr or township_id == self.scope.township_id
                plan.skipped.append((item["_row"], person_label(name=name, id_number=info.number, name_visible=visible),
                                     f"已在{township}登记,本次未作任何修改;如需变更请在学员页面修改。"))
                continue
            trainee = new_trainee(info, by=self.user, name=item["name"],
                                  township=self.townships[item["township"]], phone=item["phone"],
                                  education=item["education"], address=item["address"])
            plan.items.append((trainee, item["category"], category_held_from(item["held_from"], today=today)))
            plan.rows.append(item)
        return plan

    @transaction.atomic
    def write(self, plan: Plan):
        """Insert every new trainee and their category in one transaction, with history rows."""
        trainees = [trainee for trainee, _, _ in plan.items]
        self.report(0, 4, "写入学员")
        now = timezone.now()
        for trainee in trainees:
            trainee.registered_at = now
        try:
            with transaction.atomic():
                insert_rows(Trainee, trainees)
        except IntegrityError:
            raise ValidationError("导入期间有人登记了表中的学员:请重新上传该文件,系统会列出已登记的人。",
                                  code="registered_meanwhile") from None
        if trainees and trainees[0].pk is None:  # SQLite assigned the pks: look them up
            ids = {}
            numbers = [t.id_number for t in trainees]
            for start in range(0, len(numbers), BATCH):
                ids.update(Trainee.objects.filter(id_number__in=numbers[start:start + BATCH]).values_list(
                    "id_number", "pk"))
            for trainee in trainees:
                trainee.pk = ids[trainee.id_number]
        self.report(1, 4, "写入学员变更记录")
        insert_history(Trainee, trainees, user=self.user, reason="表格导入登记")
        self.report(2, 4, "写入培训对象类别")
        memberships = [CategoryMembership(trainee_id=trainee.pk, category=category, held_from=held_from)
                       for trainee, category, held_from in plan.items]
        insert_rows(CategoryMembership, memberships)
        if memberships and memberships[0].pk is None:
            created = self._membership_ids([m.trainee_id for m in memberships])
            for membership in memberships:
                membership.pk = created[membership.trainee_id]
        self.report(3, 4, "写入类别变更记录")
        insert_history(CategoryMembership, memberships, user=self.user, reason="表格导入登记")
        return len(trainees)

    @staticmethod
    def _membership_ids(trainee_ids):
        found = {}
        for start in range(0, len(trainee_ids), BATCH):
            found.update((trainee_id, pk) for pk, trainee_id in CategoryMembership.objects.filter(
                trainee_id__in=trainee_ids[start:start + BATCH]).values_list("pk", "trainee_id"))
        return found
