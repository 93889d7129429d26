"""The code snippets from our users' study notes, run with ember and with PyTorch.

Each snippet is written once against a module called ``torch``; it runs with the real torch and
with ember bound to that name, and the printed output must be identical.  Snippets that draw
random numbers print only shapes and dtypes (bit-exact random streams are tested elsewhere).
"""
from __future__ import annotations

import contextlib
import io
import textwrap

import pytest

import ember

real_torch = pytest.importorskip("torch")

SNIPPETS = {
    "tensor_basics": """
        t1 = torch.zeros(2,3)
        print(t1)
        print(t1.shape)
        print(t1.dtype)
        t2 = torch.arange(4)
        print(t2)
        print(t2.shape)
        print(t2.dtype)
    """,
    "random_shapes": """
        x = torch.rand(2,4)
        x = torch.randn_like(x, dtype = torch.float)
        print(x.shape, x.dtype)
    """,
    "view": """
        x = torch.randn(4,5)
        y = x.view(20)
        z = x.view(5,-1)
        print(x.size())
        print(y.size())
        print(z.size())
    """,
    "squeeze": """
        t1 = torch.arange(6).reshape(2,1,3)
        t1_squeeze = t1.squeeze(dim=1)
        t1_reshape = t1.reshape(2,3)
        print(t1, t1.size())
        print(t1_squeeze, t1_squeeze.size())
        print(t1_reshape)
    """,
    "unsqueeze": """
        t1 = torch.arange(6).reshape(2,3)
        t1_unsqueeze = t1.unsqueeze(dim = 1)
        print(t1_unsqueeze, t1_unsqueeze.shape)
        t2 = torch.rand(1,3,3)
        t2 = t2.unsqueeze( dim = 0 )
        print(t2.shape)
    """,
    "permute": """
        x = torch.randn(2, 3, 5)
        x_permute = x.permute(2, 0, 1)
        print(x.size(), x_permute.size())
    """,
    "argmax_sum": """
        t1 = torch.Tensor( [ [3,6,4] , [2,4,7] ] )
        row_argmax = torch.argmax(t1, dim=1)
        row_argmax_keepdim = torch.argmax(t1, dim=1, keepdim = True)
        row_sum = torch.sum(t1, dim=-1)
        col_argmax = torch.argmax(t1, dim=0)
        col_argmax_keepdim = torch.argmax(t1, dim=0, keepdim = True)
        col_sum = torch.sum(t1, dim=0)
        print(row_argmax, row_argmax.shape)
        print(row_argmax_keepdim, row_argmax_keepdim.shape)
        print(row_sum, row_sum.shape)
        print(col_argmax, col_argmax.shape)
        print(col_argmax_keepdim, col_argmax_keepdim.shape)
        print(col_sum, col_sum.shape)
    """,
    "stack_cat": """
        x = torch.FloatTensor([1, 4])
        y = torch.FloatTensor([2, 5])
        z = torch.FloatTensor([3, 6])
        print(torch.stack([x, y, z]))
        print(torch.stack([x, y, z], dim=1))
        print(torch.cat([x.unsqueeze(0), y.unsqueeze(0), z.unsqueeze(0)], dim=0))
        a = torch.Tensor([[1, 2], [3, 4]])
        b = torch.Tensor([[5, 6], [7, 8]])
        print(torch.cat([a, b], dim=0))
        print(torch.cat([a, b], dim=1))
    """,
    "numpy_bridge": """
        a = torch.ones(5)
        b = a.numpy()
        a.add_(1)
        print(a)
        print(b)
        import numpy as np
        n = np.ones(5)
        t = torch.from_numpy(n)
        np.add(n, 1, out=n)
        print(t)
        print(n)
    """,
    "tensor_legacy": """
        print(torch.Tensor([1, 2, 3]))
        x = torch.FloatTensor([[1, 2], [3, 4]])
        print(x[:, 1])
        print(x.item() if x.numel() == 1 else x.size())
        print(torch.tensor([[2.5]]).item())
    """,
    "autograd_tour": """
        x = torch.ones(5)
        y = torch.zeros(3)
        w = torch.ones(5, 3, requires_grad=True)
        b = torch.ones(3, requires_grad=True)
        z = torch.matmul(x, w)+b
        print(z)
        loss = ((z - y) * (z - y)).mean()
        print('Gradient function for z =', z.grad_fn.name())
        print('Gradient function for loss =', loss.grad_fn.name())
        loss.backward()
        print(w.grad)
        print(b.grad)
        with torch.no_grad():
            z = torch.matmul(x, w)+b
        print(z.requires_grad)
        z_det = (torch.matmul(x, w)+b).detach()
        print(z_det.requires_grad)
    """,
    "variable": """
        from torch.autograd import Variable
        x_train = __import__('numpy').array([[1.0], [2.0], [3.0]], dtype='float32')
        inputs = Variable(torch.from_numpy(x_train))
        print(inputs)
        v = Variable(torch.ones(2, 2), requires_grad=True)
        out = (v * v * 3).mean()
        out.backward()
        print(v.grad)
    """,
    "one_hot_scatter": """
        y = 3
        target = torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
        print(target)
        target = torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1)
        print(target)
    """,
    "build_model": """
        from torch import nn
        torch.manual_seed(0)
        class NeuralNetwork(nn.Module):
            def __init__(self):
                super().__init__()
                self.flatten = nn.Flatten()
                self.linear_relu_stack = nn.Sequential(
                    nn.Linear(28*28, 512),
                    nn.ReLU(),
                    nn.Linear(512, 512),
                    nn.ReLU(),
                    nn.Linear(512, 10),
                )
            def forward(self, x):
                x = self.flatten(x)
                logits = self.linear_relu_stack(x)
                return logits
        model = NeuralNetwork()
        print(model)
        X = torch.rand(1, 28, 28)
        logits = model(X)
        pred_probab = nn.Softmax(dim=1)(logits)
        y_pred = pred_probab.argmax(1)
        print(f"Predicted class: {y_pred}")
        for name, param in model.named_parameters():
            print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]}")
    """,
    "optimization_loop": """
        from torch import nn
        from torch.utils.data import DataLoader, TensorDataset
        torch.manual_seed(0)
        X = torch.randn(64, 4)
        y = (X.sum(1) > 0).long()
        loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        loss_fn = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for epoch in range(3):
            for batch, (inputs, labels) in enumerate(loader):
                pred = model(inputs)
                loss = loss_fn(pred, labels)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            print(f"epoch {epoch}: loss {loss.item():>7f}")
        print(loss)
    """,
}


def run_snippet(code: str, module) -> str:
    import sys
    saved = sys.modules.get("torch")
    saved_modules: dict = {}
    buffer = io.StringIO()
    try:
        # `from torch.autograd import Variable` inside a snippet must see the same module.
        sys.modules["torch"] = module
        if module is ember:
            # `from torch.x import y` inside a snippet must see ember's submodules.
            for name in ("autograd", "nn", "optim", "utils", "utils.data"):
                saved_modules[f"torch.{name}"] = sys.modules.get(f"torch.{name}")
                sys.modules[f"torch.{name}"] = sys.modules[f"ember.{name}"]
        with contextlib.redirect_stdout(buffer):
            exec(textwrap.dedent(code), {"torch": module})
    finally:
        sys.modules["torch"] = saved
        for name, previous in saved_modules.items():
            sys.modules[name] = previous
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_prints_what_pytorch_prints(name):
    ours = run_snippet(SNIPPETS[name], ember)
    theirs = run_snippet(SNIPPETS[name], real_torch)
    assert ours == theirs
