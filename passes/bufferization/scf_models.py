"""Bufferization of scf ops with tensor operands (not yet: such ops are left to to_tensor/to_buffer)."""
