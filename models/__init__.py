"""zenax.models: models as pytrees of parameters (``Module``), layers and architectures."""
from .module import (Module, combine, count_params, field, filter, is_array,  # noqa: F401
                     is_inexact_array, partition, path_matches, static_field, tree_pformat)
from .layers import Dropout, Embedding, Identity, Lambda, Linear, MLP, Sequential  # noqa: F401
from .normalization import BatchNorm, LayerNorm, RMSNorm, is_batch_stat  # noqa: F401
from .conv import (AvgPool, AvgPool1d, AvgPool2d, Conv, Conv1d, Conv2d, Conv3d,  # noqa: F401
                   MaxPool, MaxPool1d, MaxPool2d)
from .recurrent import GRUCell, LSTMCell, RNN, RNNCell, Bidirectional  # noqa: F401
from .lora import (LoRALinear, apply_lora, lora_partition, lora_trainable,  # noqa: F401
                   merge_lora, unmerge_lora)
from .attention import (KVCache, MultiHeadAttention, combine_masks,  # noqa: F401
                        dot_product_attention, make_attention_mask, make_causal_mask)
from .kv_cache import QuantizedKVCache, init_kv_cache  # noqa: F401
from .transformer import (DecoderBlock, EncoderDecoder, TransformerBlock,  # noqa: F401
                          TransformerDecoder, TransformerEncoder)
from .gpt import GPT, GPTConfig, from_hf_gpt2, generate, load_gpt2  # noqa: F401
from .bert import (BertConfig, BertForMaskedLM, BertForSequenceClassification,  # noqa: F401
                   BertModel, from_hf_bert, load_bert)
from . import parallelism  # noqa: F401,E402  (sharding strategies: DP, FSDP, TP)
