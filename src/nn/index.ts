// Layers and models.
export {
  Module, Linear, Sequential, ReLU, Tanh, Sigmoid, Softplus, LeakyReLU, ELU, PReLU, Hardtanh, SiLU, GELU, Softsign, MLP, activations,
} from './module.js';
export type { ActivationName, Init, LinearOptions, LoadStateDictOptions, MLPOptions, StateEntry } from './module.js';
export * as functional from './functional.js';
