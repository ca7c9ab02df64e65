"""archdsl-coordconv: a plugin package adding two ops to archdsl without touching it.

- `coordconv`: CoordConv (Liu et al., "An intriguing failing of convolutional neural
  networks and the CoordConv solution", NeurIPS 2018): a 2-D convolution over the
  input with coordinate channels appended. Lowered to torch, ONNX and Graphviz.
- `squeeze_excite`: squeeze-and-excitation (Hu et al., CVPR 2018), weights named as
  torchvision.ops.SqueezeExcitation names them. Lowered to torch and ONNX; it has
  no diagram label and a family Graphviz does not know, so the graphviz backend
  reports it as an op this plugin does not lower (archdsl's tests check that).

Importing this module registers the ops; the lowering modules are only declared
here and imported by each backend when it loads its rule table.
"""

from archdsl.plugin import lowering
from archdsl_coordconv import ops  # noqa: F401  (registers coordconv and squeeze_excite)

lowering("torch", "archdsl_coordconv.torch_lowering")
lowering("onnx", "archdsl_coordconv.onnx_lowering")
lowering("graphviz", "archdsl_coordconv.graphviz_labels")
