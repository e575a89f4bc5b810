from kubectl_pods.errors import UserError


def run(**kwargs) -> int:
    raise UserError("diff is not implemented yet")
