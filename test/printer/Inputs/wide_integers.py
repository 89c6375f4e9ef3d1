"""Prints IR whose integer constants have more decimal digits than Python's
int/str conversion allows by default (sys.get_int_max_str_digits)."""
import sys

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)
a, b = 10 ** 5000, 7
print(f"""func.func @f() -> (i20000, i20000, tensor<2xi20000>) {{
  %a = arith.constant {a} : i20000
  %b = arith.constant {b} : i20000
  %zero = arith.constant 0 : i20000
  %sum = arith.addi %a, %b : i20000
  %neg = arith.subi %zero, %a : i20000
  %d = arith.constant dense<[{a}, -{a}]> : tensor<2xi20000>
  return %sum, %neg, %d : i20000, i20000, tensor<2xi20000>
}}""")
