from kubectl_pods.errors import UserError


def run(**kwargs) -> int:
    raise UserError("scaffold is not implemented yet")
