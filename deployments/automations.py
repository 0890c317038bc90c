"""The Prefect Automation Regie sets up: a decision recorded (event regie.besluit.vastgelegd) runs
the resume sweep at once, so the run waiting on it moves even when the decision came in a way that
did not resume it itself.

`regie up` creates it after serving the deployments; on a server with workers, run
`python -m deployments.automations` once after `prefect deploy --all`.
"""

from __future__ import annotations

from deployments.definitions import RESUME_SWEEP

AUTOMATION_NAME = "Regie: hervat bij een vastgelegd besluit"
RESUME_SWEEP_FLOW = "regie-wachtende-runs-hervatten"


def ensure_automations() -> str:
    """Create the automation if it is not there (idempotent); its name."""
    from prefect import get_client
    from prefect.events.actions import RunDeployment
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    from notifications.prefect_events import DECISION_RECORDED

    with get_client(sync_client=True) as client:
        if client.read_automations_by_name(AUTOMATION_NAME):
            return AUTOMATION_NAME
        deployment = client.read_deployment_by_name(f"{RESUME_SWEEP_FLOW}/{RESUME_SWEEP}")
        client.create_automation(AutomationCore(
            name=AUTOMATION_NAME,
            description="Een besluit is vastgelegd: zet de runs voort die erop wachten (de controle van "
                        "wachtende runs, meteen in plaats van binnen 5 minuten).",
            trigger=EventTrigger(expect={DECISION_RECORDED}, match={"prefect.resource.id": "regie.besluitpunt.*"},
                                 posture=Posture.Reactive, threshold=1),
            actions=[RunDeployment(source="selected", deployment_id=deployment.id)],
        ))
    return AUTOMATION_NAME


if __name__ == "__main__":
    print(f"Automatisering aanwezig: {ensure_automations()}")
