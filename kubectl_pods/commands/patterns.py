from kubectl_pods.errors import UserError


def run(**kwargs) -> int:
    raise UserError("patterns is not implemented yet")
