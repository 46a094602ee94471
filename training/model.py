"""Region renderer (a small U-Net) and its patch critic. The renderer reads the current renderer's output for
the region (warp), the source's region and the target's gaze-coded sketch, and returns a residual RGB patch
over the warp and a blend mask; the product composes mask * patch + (1 - mask) * warp."""
import torch
from torch import nn
import torch.nn.functional as F


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2, inplace=True))


class RegionNet(nn.Module):
    def __init__(self, width=(12, 24, 48), cin=9):
        super().__init__()
        a, b, c = width
        self.e1 = conv(cin, a)
        self.e2 = nn.Sequential(conv(a, b, 2), conv(b, b))
        self.e3 = nn.Sequential(conv(b, c, 2), conv(c, c), conv(c, c))
        self.r3 = nn.Conv2d(c, b, 1)
        self.d2 = conv(b, b)
        self.r2 = nn.Conv2d(b, a, 1)
        self.d1 = conv(a, a)
        self.out = nn.Conv2d(a, 4, 3, 1, 1)
        with torch.no_grad():
            self.out.weight.mul_(0.1)
            self.out.bias.zero_()
            self.out.bias[3] = -1.0

    def forward(self, x):
        """x [N,9,H,W] (warp, source, sketch in [0,1]) -> [N,4,H,W]: patch RGB in [0,1], mask in [0,1]."""
        warp = x[:, :3]
        f1 = self.e1(x)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        u2 = F.interpolate(self.r3(f3), scale_factor=2.0, mode='nearest') + f2
        u2 = self.d2(u2)
        u1 = F.interpolate(self.r2(u2), scale_factor=2.0, mode='nearest') + f1
        o = self.out(self.d1(u1))
        patch = torch.clamp(warp + o[:, :3], 0.0, 1.0)
        mask = torch.sigmoid(o[:, 3:4])
        return torch.cat([patch, mask], 1)


def compose(y, warp):
    m = y[:, 3:4]
    return m * y[:, :3] + (1 - m) * warp


class PatchCritic(nn.Module):
    """Hinge-GAN patch critic on (composite or truth, sketch); its features serve the feature-matching loss."""

    def __init__(self, cin=6, w=32):
        super().__init__()
        self.blocks = nn.ModuleList([conv(cin, w, 2), conv(w, 2 * w, 2), conv(2 * w, 2 * w, 1)])
        self.head = nn.Conv2d(2 * w, 1, 3, 1, 1)

    def forward(self, x):
        feats = []
        for b in self.blocks:
            x = b(x)
            feats.append(x)
        return self.head(x), feats


def _gauss(c, size=7, sigma=1.5, device='cpu'):
    ax = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    g = torch.exp(-(ax ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    k = (g[:, None] * g[None, :])[None, None]
    return k.repeat(c, 1, 1, 1)


def ssim(a, b, reduce=True):
    """Gaussian-window SSIM over channels (values in [0,1]); per-sample means when reduce is False."""
    c = a.shape[1]
    k = _gauss(c, device=a.device)
    mu_a = F.conv2d(a, k, groups=c)
    mu_b = F.conv2d(b, k, groups=c)
    saa = F.conv2d(a * a, k, groups=c) - mu_a ** 2
    sbb = F.conv2d(b * b, k, groups=c) - mu_b ** 2
    sab = F.conv2d(a * b, k, groups=c) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    per = m.flatten(1).mean(1)
    return per.mean() if reduce else per
