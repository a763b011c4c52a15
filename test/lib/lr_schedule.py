"""The learning-rate schedule of generated training programs
(docs/training.md), as test references compute it: nanoGPT's get_lr for the
0-based step `it`, with decay == 0 meaning no decay."""
import math


def get_lr(it, lr, min_lr, warmup, decay):
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if decay == 0:
        return lr
    if it > decay:
        return min_lr
    ratio = (it - warmup) / (decay - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)
