"""autograd_core: a scalar reverse-mode automatic differentiation engine.

Every number is a :class:`Value` node that remembers its parents and its local
derivatives; ``backward()`` applies the chain rule through the graph.
"""

from autograd_core.define import UserOperation, define_operation, remove_operation
from autograd_core.errors import DomainError, GradcheckError
from autograd_core.explain import explain, trace_backward
from autograd_core.forward_mode import Dual, jvp
from autograd_core.functional import grad, hessian, value_and_grad
from autograd_core.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd_core.gradcheck import GradcheckResult, gradcheck, numerical_grad, step_size
from autograd_core.gradcheck import gradgradcheck
from autograd_core.graph import topological_order
from autograd_core.higher_order import gradients
from autograd_core.languages import get_language, in_language, set_language
from autograd_core.opcheck import OperationReport, check_operation
from autograd_core.ops import OPERATIONS, Operation
from autograd_core.value import Value
from autograd_core.viz import draw_graph, save_graph
from autograd_core.step_through import StepThrough, step_through
from autograd_core.compiler import BatchProgram, TraceError, compile_batch

__all__ = [
    "OperationReport",
    "UserOperation",
    "check_operation",
    "define_operation",
    "remove_operation",
    "BatchProgram",
    "TraceError",
    "compile_batch",
    "draw_graph",
    "enable_grad",
    "explain",
    "OPERATIONS",
    "DomainError",
    "Dual",
    "GradcheckError",
    "GradcheckResult",
    "Operation",
    "Value",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "get_language",
    "gradients",
    "hessian",
    "in_language",
    "is_grad_enabled",
    "jvp",
    "no_grad",
    "numerical_grad",
    "save_graph",
    "set_language",
    "step_through",
    "StepThrough",
    "step_size",
    "topological_order",
    "trace_backward",
    "value_and_grad",
]

__version__ = "0.1.0"
