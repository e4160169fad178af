"""The trial set-up API's input: a trial with its profiles, own requirements and overrides,
named by codes (docs/api.md). Bad input is a 400 naming the field; nothing is half-saved."""

from __future__ import annotations

from rest_framework import serializers

from sites.models import Capability
from training.models import Course, StaffRole
from trials import services
from trials.models import (
    TRIAL_DESCRIPTION_FIELDS,
    TRIAL_IDENTIFIER_FIELDS,
    RequirementLevel,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
)

UNKNOWN_CAPABILITY = "Unknown capability code: {codes}."
ONE_TARGET = "Name the inherited requirement by `capabilities` or by `course`, not both."
NO_TARGET = "Name the inherited requirement by `capabilities` or by `course`."
PROFILE_NOT_INHERITED = "The trial does not inherit this profile; add it to `profiles`."
NO_SUCH_CAPABILITY_REQUIREMENT = "{profile} has no requirement for exactly these capabilities."
NO_SUCH_TRAINING_REQUIREMENT = "{profile} has no training requirement for this course and role."
REASON_REQUIRED = "Give the reason for the override."

ROLE_CHOICES = [("", "Any role"), *StaffRole.choices]


class CapabilityCodes(serializers.ListField):
    child = serializers.SlugField()

    def to_internal_value(self, data) -> list[Capability]:
        codes = list(dict.fromkeys(super().to_internal_value(data)))
        found = {c.code: c for c in Capability.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(UNKNOWN_CAPABILITY.format(codes=", ".join(unknown)))
        return [found[code] for code in codes]


class CapabilityRequirementInput(serializers.Serializer):
    capabilities = CapabilityCodes(
        allow_empty=False, help_text="Capability codes; meeting any one meets the requirement."
    )
    level = serializers.ChoiceField(choices=RequirementLevel.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TrainingRequirementInput(serializers.Serializer):
    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())
    role = serializers.ChoiceField(
        choices=ROLE_CHOICES,
        required=False,
        default="",
        help_text="Staff role code; empty for any role.",
    )
    min_staff = serializers.IntegerField(min_value=1, max_value=50, required=False, default=1)
    level = serializers.ChoiceField(
        choices=RequirementLevel.choices, required=False, default=RequirementLevel.MANDATORY
    )


class OverrideInput(serializers.Serializer):
    profile = serializers.SlugRelatedField(
        slug_field="code", queryset=RequirementProfile.objects.all()
    )
    capabilities = CapabilityCodes(required=False, allow_empty=False)
    course = serializers.SlugRelatedField(
        slug_field="code", queryset=Course.objects.all(), required=False
    )
    role = serializers.ChoiceField(choices=ROLE_CHOICES, required=False, default="")
    level = serializers.ChoiceField(choices=RequirementOverride.Level.choices)
    reason = serializers.CharField(max_length=500, error_messages={"blank": REASON_REQUIRED})

    def validate(self, data: dict) -> dict:
        if "capabilities" in data and "course" in data:
            raise serializers.ValidationError({"capabilities": [ONE_TARGET]})
        if "capabilities" not in data and "course" not in data:
            raise serializers.ValidationError({"capabilities": [NO_TARGET], "course": [NO_TARGET]})
        profile = data["profile"]
        if "course" in data:
            found = TrainingRequirement.objects.filter(
                profile=profile, course=data["course"], role=data["role"]
            ).first()
            if found is None:
                raise serializers.ValidationError(
                    {"course": [NO_SUCH_TRAINING_REQUIREMENT.format(profile=profile.name)]}
                )
        else:
            wanted = {c.pk for c in data["capabilities"]}
            found = next(
                (
                    r
                    for r in profile.capability_requirements.prefetch_related("capabilities")
                    if {c.pk for c in r.capabilities.all()} == wanted
                ),
                None,
            )
            if found is None:
                raise serializers.ValidationError(
                    {"capabilities": [NO_SUCH_CAPABILITY_REQUIREMENT.format(profile=profile.name)]}
                )
        return {
            "requirement": found,
            "level": data["level"],
            "reason": data["reason"],
            "profile": profile,
        }


class TrialSetupSerializer(serializers.ModelSerializer):
    """A trial's fields, plus what it requires. On PATCH, a list that is given replaces the
    trial's list; one left out is unchanged. An entry naming the same capabilities (or the
    same course and role) as one of the trial's requirements changes that one in place, so
    the trial's history shows the change (old → new) rather than a removal and an addition."""

    profiles = serializers.SlugRelatedField(
        slug_field="code", queryset=RequirementProfile.objects.all(), many=True, required=False
    )
    capability_requirements = CapabilityRequirementInput(many=True, required=False)
    training_requirements = TrainingRequirementInput(many=True, required=False)
    overrides = OverrideInput(many=True, required=False)
    reason = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Kept in the trial's history.",
    )

    class Meta:
        model = Trial
        fields = [
            *TRIAL_DESCRIPTION_FIELDS,
            *TRIAL_IDENTIFIER_FIELDS,
            "profiles",
            "capability_requirements",
            "training_requirements",
            "overrides",
            "reason",
        ]

    def validate(self, data: dict) -> dict:
        if "overrides" in data:
            if "profiles" in data:
                inherited = {p.pk for p in data["profiles"]}
            else:
                inherited = (
                    set(self.instance.profiles.values_list("pk", flat=True))
                    if self.instance
                    else set()
                )
            errors = [
                {"profile": [PROFILE_NOT_INHERITED]} if o["profile"].pk not in inherited else {}
                for o in data["overrides"]
            ]
            if any(errors):
                raise serializers.ValidationError({"overrides": errors})
        return data

    def save_with(self, *, user) -> Trial:
        data = dict(self.validated_data)
        related = {
            name: data.pop(name, None)
            for name in (
                "profiles",
                "capability_requirements",
                "training_requirements",
                "overrides",
            )
        }
        reason = data.pop("reason", "")
        trial = self.instance or Trial()
        for name, value in data.items():
            setattr(trial, name, value)
        return services.trial_setup(trial=trial, user=user, reason=reason, **related)
