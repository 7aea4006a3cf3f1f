// The 2-D surfaces of the optimizer page: each f(x, y) written with subgrad's
// ops (elementwise, so one definition serves a single point with gradients
// and the whole contour grid at once), its view, start and minima, and a
// learning rate per optimizer that shows it at its best there.
import { add, mul, square, sub, type Tensor } from 'subgrad';
import type { OptimizerName } from './protocol.js';

export interface Surface {
  label: string;
  formula: string;
  f: (x: Tensor, y: Tensor) => Tensor;
  view: { x: [number, number]; y: [number, number] };
  start: [number, number];
  /** The minima (the distance is to the nearest) and the minimum value f*. */
  minima: [number, number][];
  fStar: number;
  steps: number;
  lr: Record<OptimizerName, number>;
}

export const SURFACES = {
  booth: {
    label: 'Booth',
    formula: 'f = (x + 2y − 7)² + (2x + y − 5)²',
    f: (x, y) => add(square(sub(add(x, mul(y, 2)), 7)), square(sub(add(mul(x, 2), y), 5))),
    view: { x: [-10, 10], y: [-10, 10] },
    start: [-8, 8],
    minima: [[1, 3]],
    fStar: 0,
    steps: 100,
    lr: { gd: 0.05, momentum: 0.01, velocity: 0.01, nesterov: 0.01, adagrad: 3, rmsprop: 0.3, adadelta: 30, adam: 0.5, amsgrad: 0.5, nadam: 0.5, lbfgs: 1 },
  },
  rosenbrock: {
    label: 'Rosenbrock',
    formula: 'f = (1 − x)² + 100(y − x²)²',
    f: (x, y) => add(square(sub(1, x)), mul(square(sub(y, square(x))), 100)),
    view: { x: [-2, 2], y: [-1, 3] },
    start: [-1.2, 1],
    minima: [[1, 1]],
    fStar: 0,
    steps: 500,
    lr: { gd: 1e-3, momentum: 1e-3, velocity: 1e-3, nesterov: 1e-3, adagrad: 0.5, rmsprop: 0.01, adadelta: 3, adam: 0.05, amsgrad: 0.05, nadam: 0.05, lbfgs: 1 },
  },
  saddle: {
    label: 'A saddle',
    formula: 'f = x² + y⁴/4 − y²/2: a saddle at 0 between minima at (0, ±1)',
    f: (x, y) => add(square(x), sub(mul(square(square(y)), 0.25), mul(square(y), 0.5))),
    view: { x: [-2, 2], y: [-2, 2] },
    start: [-1.8, 1e-3],
    minima: [[0, 1], [0, -1]],
    fStar: -0.25,
    steps: 150,
    lr: { gd: 0.05, momentum: 0.02, velocity: 0.02, nesterov: 0.02, adagrad: 0.3, rmsprop: 0.02, adadelta: 3, adam: 0.05, amsgrad: 0.05, nadam: 0.05, lbfgs: 1 },
  },
  quadratic: {
    label: 'Ill-conditioned quadratic',
    formula: 'f = x²/20 + y²: curvatures 0.1 and 2, condition number 20',
    f: (x, y) => add(mul(square(x), 0.05), square(y)),
    view: { x: [-10, 10], y: [-5, 5] },
    start: [-9, 4],
    minima: [[0, 0]],
    fStar: 0,
    steps: 100,
    lr: { gd: 0.9, momentum: 0.3, velocity: 0.3, nesterov: 0.3, adagrad: 2, rmsprop: 0.1, adadelta: 10, adam: 0.5, amsgrad: 0.5, nadam: 0.5, lbfgs: 1 },
  },
} satisfies Record<string, Surface>;

export type SurfaceName = keyof typeof SURFACES;
