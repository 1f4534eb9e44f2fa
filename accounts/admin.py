from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from accounts.models import UserProfile


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    extra = 0
    max_num = 1
    autocomplete_fields = ["institution", "township", "evaluation_body"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "party", "is_staff", "is_active", "last_login"]
    list_filter = ["profile__role", "is_staff", "is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    list_select_related = ["profile", "profile__institution", "profile__township", "profile__evaluation_body"]
    inlines = [UserProfileInline]

    @admin.display(description="身份", ordering="profile__role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else "未分配"

    @admin.display(description="所属单位")
    def party(self, obj):
        profile = getattr(obj, "profile", None)
        if profile is None:
            return "—"
        return profile.institution or profile.township or profile.evaluation_body or "长治县人社局"


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "institution", "township", "evaluation_body", "phone"]
    list_filter = ["role", "township"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "institution__name", "township__name"]
    ordering = ["role", "user__username"]
    list_select_related = ["user", "institution", "township", "evaluation_body"]
    autocomplete_fields = ["user", "institution", "township", "evaluation_body"]
