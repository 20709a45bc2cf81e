"""Roles → Django groups and model permissions.

The groups are created by the data migration ``portal/0003_role_groups`` and kept in sync after every
``migrate`` (new models of later apps get their permissions assigned automatically).
"""

from collections.abc import Iterable

from .choices import Role

PORTAL_APPS = {"portal", "schools", "indicators", "roadmap", "monitoring"}

GROUP_NAMES = {
    Role.STAFF: "Специалисты управления образования",
    Role.PRINCIPAL: "Директора ОО",
    Role.CURATOR: "Кураторы",
}

# "app.*" gives every permission of the app; "app.codename" a single one.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.STAFF: (
        "schools.*",
        "indicators.*",
        "roadmap.*",
        "monitoring.*",
        "portal.view_user",
    ),
    Role.PRINCIPAL: (
        "schools.view_school",
        "schools.view_schoolyearprofile",
        "indicators.view_indexvalue",
        "indicators.add_resultupload",
        "indicators.view_resultupload",
        "indicators.view_schoolresult",
        "indicators.view_subject",
        "indicators.view_gradingscale",
        "indicators.view_schoolstatus",
        "roadmap.view_roadmap",
        "roadmap.view_section",
        "roadmap.view_activity",
        "roadmap.view_activityreport",
        "roadmap.add_activityreport",
        "roadmap.change_activityreport",
        "roadmap.view_evidence",
        "roadmap.add_evidence",
        "monitoring.view_targetindicator",
        "monitoring.view_targetvalue",
        "monitoring.view_indicatorvalue",
    ),
    Role.CURATOR: (
        "schools.view_municipality",
        "schools.view_school",
        "schools.change_school",  # in the admin, without municipality, curators and «действующая»
        "schools.view_visitnote",
        "schools.add_visitnote",
        "schools.change_visitnote",
        "schools.delete_visitnote",
        "schools.view_schoolyearprofile",
        "schools.change_schoolyearprofile",
        "indicators.view_indexvalue",
        "indicators.view_resultupload",
        "indicators.view_schoolresult",
        "indicators.view_subject",
        "indicators.view_gradingscale",
        "indicators.view_schoolstatus",
        "indicators.view_classificationrun",
        "indicators.add_classificationrun",
        "indicators.view_methodology",
        "indicators.change_methodology",
        "schools.view_riskfactor",
        "schools.view_schoolriskprofile",
        "schools.add_schoolriskprofile",
        "schools.change_schoolriskprofile",
        "roadmap.view_roadmap",
        "roadmap.view_section",
        "roadmap.view_activity",
        "roadmap.view_activityreport",
        "roadmap.view_evidence",
        "monitoring.view_targetindicator",
        "monitoring.view_targetvalue",
        "monitoring.view_indicatorvalue",
        "monitoring.view_quarterlyreport",
        "monitoring.add_quarterlyreport",
    ),
}


def _resolve(permission_model, specs: Iterable[str]):
    perms = []
    for spec in specs:
        app_label, codename = spec.split(".", 1)
        qs = permission_model.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            qs = qs.filter(codename=codename)
        perms.extend(qs)
    return perms


def sync_role_groups(apps=None) -> None:
    """Create the three role groups and set exactly their permissions. Idempotent."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, name in GROUP_NAMES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(_resolve(permission_model, ROLE_PERMISSIONS[role]))


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: permissions of newly added models reach the groups."""
    if sender.name in PORTAL_APPS:
        sync_role_groups()
