"""Roster and attendance sheets of one class (institution portal)."""

import datetime
from dataclasses import replace
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from common.imports import Column, Plan, RowError, ServiceRowImport, SheetError, clean_text
from common.uploads import read_rows
from courses import services
from courses.selectors import AttendanceSheet, classes_visible_to
from trainees.policy import mask_id_number


def class_of_upload(user, code):
    """The class a sheet was uploaded for, as its uploader may still see it (a confirmation in the
    background acts only where the page that took the sheet could)."""
    training_class = classes_visible_to(user).filter(code=code).first()
    if training_class is None:
        raise ValidationError(f"找不到培训班{code},或您已无权操作该班:本次未写入任何数据。请回到培训班页面核对后重新上传。",
                              code="class_not_visible")
    return training_class


class ClassSheetImport(ServiceRowImport):
    """A sheet of one class; its batch's target is the class code."""

    def __init__(self, *, user, training_class, **context):
        super().__init__(user=user, **context)
        self.training_class = training_class

    @classmethod
    def for_upload(cls, *, user, target):
        return cls(user=user, training_class=class_of_upload(user, target))


class RosterImport(ClassSheetImport):
    """学员名册: one row per trainee, by resident ID number or training voucher code; each row
    goes through enrol_trainee (R1 capacity, R13, R14, R16), so a row over the class capacity is
    refused like on screen."""

    title = "学员名册"
    columns = [
        Column("身份证号", "id_number", required=False, kind="id_number", width=22,
               note="已在乡镇登记的学员的身份证号;本列为文本格式。持培训券报名的可只填培训券号。"),
        Column("培训券号", "voucher_code", required=False, width=20, note="持培训券报名的填写券号,如 QJ2018-7KQ9M2XD4P。"),
        Column("姓名", "name", required=False, note="仅供核对,以身份证号为准。"),
    ]

    def extent(self):
        """No more rows than the class has seats (R1): a longer roster could never be enrolled,
        and each row runs through the enrolment service twice (preview, confirmation)."""
        capacity = self.training_class.capacity
        return replace(super().extent(), max_rows=capacity,
                       rows_message=f"本班计划人数为{capacity}人,名册表最多%(max)d行(《实施方案》三(五)):"
                                    "请删除多余的行后重新上传。")

    def row_checks(self, item):
        if not item["id_number"] and not item["voucher_code"] and not self.cell_failed(item, "id_number"):
            return [self.error(item, "id_number", "请填写身份证号或培训券号。")]
        return []

    def apply(self, item):
        services.enrol_trainee(self.training_class, by=self.user, today=timezone.localdate(),
                               id_number=item["id_number"] or None, voucher_code=item["voucher_code"] or None)

    def error_column(self, code):
        return "voucher_code" if code.startswith("voucher") else "id_number"

    def check(self, rows, errors) -> Plan:
        seen = {}
        for item in rows:
            key = item.get("id_number") or item.get("voucher_code")
            if key and key in seen:
                errors.append(self.error(item, "id_number", f"与第{seen[key]}行重复,请删除重复行。"))
            elif key:
                seen[key] = item["_row"]
        return super().check(rows, errors)


def session_header(session, sessions_that_day):
    """The column header of a session: its date, with the start time when the day has several."""
    day = f"{session.held_on:%Y-%m-%d}"
    if sessions_that_day > 1 and session.starts_at:
        return f"{day} {session.starts_at:%H:%M}"
    return day


class AttendanceImport(ClassSheetImport):
    """考勤表: one row per trainee, one column per session (its date, with the start time where a
    day has two), marked 到 or 缺, or with the hours present where only part of the session was
    attended (services.parse_mark: a number is always hours, never a whole day); blank cells are
    left unrecorded. Each session goes through
    record_attendance (only enrolled trainees, only while the session's R20 window is open), so the
    same sheet twice gives the same marks. Only the marks that change something are sent: a sheet
    that repeats the marks of sessions whose window has closed imports; one that changes them is
    refused at that column (a change then needs a correction approved by county HR, 三(七))."""

    title = "考勤表"

    def __init__(self, *, user, training_class, **context):
        super().__init__(user=user, training_class=training_class, **context)
        self.sheet = AttendanceSheet(training_class)
        per_day = {}
        for session in self.sheet.sessions:
            per_day[session.held_on] = per_day.get(session.held_on, 0) + 1
        self.sessions = {session_header(s, per_day[s.held_on]): s for s in self.sheet.sessions}
        self.columns = [
            Column("身份证号", "id_number", kind="id_number", width=22,
                   note="本班名册中的学员。模板已按名册填好(身份证号中间8位隐去,与页面一致);自行添加的行请填写完整的18位"
                        "身份证号。本列为文本格式。"),
            Column("姓名", "name", required=False, note="仅供核对。"),
            *[Column(header, f"s{session.pk}", required=False, width=12,
                     note=f"「到」出勤,「缺」缺勤;部分出勤的填实到课时数(本课次{session.hours.normalize():f}课时)。"
                          "数字一律按课时计算。空白表示不记录。")
              for header, session in self.sessions.items()],
        ]

    def template_rows(self):
        """The roster as the attendance screen shows it: ID numbers masked (SPEC.md §2); the
        import matches a masked number to the one trainee of the roster it can be."""
        return [[e.trainee.masked_id_number, e.trainee.name] for e in self.sheet.active_enrolments]

    def find_enrolment(self, id_number, roster):
        """The roster's enrolment for a full or a masked (as in the template) ID number, or a
        refusal saying what to write instead."""
        if id_number in roster:
            return roster[id_number]
        if "*" in id_number:
            matches = [e for number, e in roster.items() if mask_id_number(number) == id_number]
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ValidationError("本班有多名学员的身份证号前6位和后4位与此相同:请填写该学员完整的18位身份证号。",
                                      code="masked_ambiguous")
        raise ValidationError("不在本班名册中:请先报名,或删除该行。", code="not_on_roster")

    def template(self):
        workbook = load_workbook(BytesIO(super().template()))
        sheet = workbook.worksheets[0]
        for index, row in enumerate(self.template_rows(), start=2):
            for column, value in enumerate(row, start=1):
                sheet.cell(row=index, column=column, value=value)
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def parse(self, checked):
        """A date column without a session gets its own explanation before the generic header
        check (which would only say the column is extra)."""
        rows = read_rows(checked)
        headers = [clean_text(v) for v in rows[0]] if rows else []
        for header in headers[2:]:
            if header and header not in self.sessions and _looks_like_a_date(header):
                raise SheetError(f"列「{header}」的日期本班没有课次:请先排课,或删除该列(考勤只能记在已排的课次上)。")
        return super().parse(checked)

    def check(self, rows, errors) -> Plan:
        plan = Plan(errors=errors)
        if self.training_class.status != "in_progress":
            plan.errors.append(RowError(1, "", "", services.ATTENDANCE_CLOSED % {
                "status": self.training_class.get_status_display()}))
            return plan
        roster = {e.trainee.id_number: e for e in self.sheet.enrolments}
        bad_rows = {e.row for e in errors}
        rows_of = {}
        by_session = {}
        changing = {}  # enrolment id -> the sheet row, for rows whose marks change something
        has_marks = False
        for item in rows:
            if item["id_number"] is None:
                continue  # the cell could not be read: its error is already listed
            try:
                enrolment = self.find_enrolment(item["id_number"], roster)
            except ValidationError as error:
                plan.errors.append(self.error(item, "id_number", error.messages[0]))
                continue
            if enrolment.pk in rows_of:  # the same trainee, once by the full and once by the masked number
                plan.errors.append(self.error(item, "id_number", f"与第{rows_of[enrolment.pk]}行是同一学员,请删除重复行。"))
                continue
            rows_of[enrolment.pk] = item["_row"]
            if item["_row"] in bad_rows:
                continue
            for session in self.sheet.sessions:
                value = item.get(f"s{session.pk}")
                if value is None:
                    continue
                has_marks = True
                try:
                    parsed = services.parse_mark(value, session.hours)
                except ValidationError as error:
                    plan.errors.append(self.error(item, f"s{session.pk}", error.messages[0]))
                    continue
                mark = self.sheet.marks.get((enrolment.pk, session.pk))
                if mark is None or (mark.is_present, mark.hours_present) != parsed:
                    by_session.setdefault(session.pk, {})[enrolment.pk] = value
                    changing[enrolment.pk] = item
        sessions = {s.pk: s for s in self.sheet.sessions}
        for session_pk, marks in by_session.items():
            try:
                services.record_attendance(sessions[session_pk], by=self.user, now=timezone.now(),
                                           marks=marks, dry_run=True)
            except ValidationError as error:
                # About the session (its column), not one trainee: named at the header.
                header = next(h for h, s in self.sessions.items() if s.pk == session_pk)
                plan.errors.extend(RowError(1, header, "", message) for message in error.messages)
                continue
            plan.items.append((sessions[session_pk], marks))
        plan.rows = sorted(changing.values(), key=lambda item: item["_row"])
        if not plan.rows and has_marks and not plan.errors:
            plan.note = "表中的考勤与系统中已记录的完全相同,无需导入"
        return plan

    def write(self, plan: Plan):
        with transaction.atomic():
            for session, marks in plan.items:
                services.record_attendance(session, by=self.user, now=timezone.now(), marks=marks)
        return len(plan.rows)


def _looks_like_a_date(text):
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日"):
        try:
            datetime.datetime.strptime(text, pattern)
            return True
        except ValueError:
            continue
    return False
