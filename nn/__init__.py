"""nn: neurons, layers and MLPs built from autograd_core Values, with losses,
optimizers, a training helper, checkpoints and small data sets.

Example:
    >>> from nn import MLP
    >>> model = MLP(2, [4, 1], activation="tanh", seed=0)
    >>> model
    MLP(2 -> 4 tanh -> 1 identity, 17 parameters)
"""

from nn import datasets
from nn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from nn.dropout import Dropout
from nn.layers import MLP, Layer, Neuron, Outputs
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mean_squared_error,
    one_hot,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_composed,
    squared_error,
)
from nn.module import Module
from nn.optim import SGD, AdaGrad, Adam, Optimizer, RMSProp
from nn.sequential import Sequential
from nn.train import History, accuracy, collector_paused, fit, predict, train_step
from nn.torch_bridge import (
    checkpoint_from_torch,
    checkpoint_to_torch,
    from_torch,
    layer_matrices,
    load_torch_weights,
    to_torch,
)

__all__ = [
    "MLP",
    "SGD",
    "AdaGrad",
    "Adam",
    "CheckpointError",
    "Dropout",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Outputs",
    "Optimizer",
    "RMSProp",
    "Sequential",
    "accuracy",
    "checkpoint_from_torch",
    "checkpoint_to_torch",
    "from_torch",
    "layer_matrices",
    "load_torch_weights",
    "to_torch",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "datasets",
    "collector_paused",
    "fit",
    "load_checkpoint",
    "mean_squared_error",
    "one_hot",
    "predict",
    "save_checkpoint",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_composed",
    "squared_error",
    "train_step",
]
