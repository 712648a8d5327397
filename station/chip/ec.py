"""Elliptic curves for PACE, chip and active authentication (ICAO Doc 9303 part 11, BSI
TR-03111): the standardized domain parameters (NIST and brainpool), point arithmetic on
arbitrary generators (PACE's generic mapping needs G' = s·G + H, which ``cryptography`` does not
expose), and public keys as the chip gives them (named curve or explicit parameters).

Constants generated from OpenSSL's explicit encodings of each named curve.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import keys  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import ec

from station.chip import ChipError

Point = tuple[int, int] | None  # affine; None is the point at infinity


@dataclass(frozen=True)
class Curve:
    name: str
    param_id: int  # PACE standardized domain parameter id (part 11 §9.5.1)
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int

    @property
    def g(self) -> Point:
        return (self.gx, self.gy)

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8

    def on_curve(self, pt: Point) -> bool:
        if pt is None:
            return False
        x, y = pt
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def add(self, p1: Point, p2: Point) -> Point:
        if p1 is None:
            return p2
        if p2 is None:
            return p1
        p = self.p
        (x1, y1), (x2, y2) = p1, p2
        if x1 == x2:
            if (y1 + y2) % p == 0:
                return None
            lam = (3 * x1 * x1 + self.a) * pow(2 * y1, -1, p) % p
        else:
            lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
        x3 = (lam * lam - x1 - x2) % p
        return (x3, (lam * (x1 - x3) - y1) % p)

    def mul(self, k: int, pt: Point) -> Point:
        """k·pt, with Jacobian coordinates inside (one inversion at the end)."""
        if pt is None or k % self.n == 0:
            return None
        p, a = self.p, self.a
        x, y = pt
        rx, ry, rz = 0, 1, 0  # infinity
        for bit in bin(k % self.n)[2:]:
            rx, ry, rz = _jdouble(rx, ry, rz, a, p)
            if bit == "1":
                rx, ry, rz = _jadd(rx, ry, rz, x, y, p, a)
        if rz == 0:
            return None
        zi = pow(rz, -1, p)
        return (rx * zi * zi % p, ry * zi * zi * zi % p)

    def encode(self, pt: Point) -> bytes:
        if pt is None:
            raise ChipError("Điểm vô cực.", "Point at infinity.")
        return b"\x04" + pt[0].to_bytes(self.size, "big") + pt[1].to_bytes(self.size, "big")

    def decode(self, data: bytes) -> tuple[int, int]:
        """An uncompressed point from the chip, checked to lie on the curve."""
        if len(data) != 1 + 2 * self.size or data[0] != 4:
            raise ChipError("Điểm EC sai dạng.", "Malformed EC point.")
        pt = (int.from_bytes(data[1 : 1 + self.size], "big"),
              int.from_bytes(data[1 + self.size :], "big"))  # fmt: skip
        if not self.on_curve(pt):
            raise ChipError("Điểm EC không nằm trên đường cong.", "EC point not on the curve.")
        return pt

    def keypair(self, g: Point = None) -> tuple[int, tuple[int, int]]:
        """A private key and its public point on generator ``g`` (default: the curve's)."""
        d = secrets.randbelow(self.n - 1) + 1
        pub = self.mul(d, g or self.g)
        assert pub is not None
        return d, pub

    def crypto_curve(self) -> ec.EllipticCurve:
        factory: Callable[[], ec.EllipticCurve] = _CRYPTO[self.name]
        return factory()


def _jdouble(x: int, y: int, z: int, a: int, p: int) -> tuple[int, int, int]:
    if z == 0 or y == 0:
        return 0, 1, 0
    yy = y * y % p
    s = 4 * x * yy % p
    zz = z * z % p
    m = (3 * x * x + a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    return x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * y * z % p


def _jadd(x1: int, y1: int, z1: int, x2: int, y2: int, p: int, a: int) -> tuple[int, int, int]:
    """Jacobian (x1, y1, z1) + affine (x2, y2)."""
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % p
    u2 = x2 * z1z1 % p
    s2 = y2 * z1 * z1z1 % p
    if u2 == x1:
        if s2 == y1:
            return _jdouble(x1, y1, z1, a, p)
        return 0, 1, 0
    h = (u2 - x1) % p
    hh = h * h % p
    hhh = h * hh % p
    r = (s2 - y1) % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    return x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p


CURVES: dict[str, Curve] = {
    "secp224r1": Curve(
        "secp224r1",
        10,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE,
        0xB4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4,
        0xB70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21,
        0xBD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D,
        1,
    ),
    "secp256r1": Curve(
        "secp256r1",
        12,
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        1,
    ),
    "secp384r1": Curve(
        "secp384r1",
        15,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC,
        0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
        0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
        0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
        1,
    ),
    "secp521r1": Curve(
        "secp521r1",
        18,
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF,
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC,
        0x51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
        0xC6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
        0x11839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
        1,
    ),
    "brainpoolP224r1": Curve(
        "brainpoolP224r1",
        11,
        0xD7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF,
        0x68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43,
        0x2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B,
        0xD9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D,
        0x58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD,
        0xD7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F,
        1,
    ),
    "brainpoolP256r1": Curve(
        "brainpoolP256r1",
        13,
        0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
        0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
        0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
        0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
        0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
        0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
        1,
    ),
    "brainpoolP320r1": Curve(
        "brainpoolP320r1",
        14,
        0xD35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27,
        0x3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4,
        0x520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6,
        0x43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611,
        0x14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1,
        0xD35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311,
        1,
    ),
    "brainpoolP384r1": Curve(
        "brainpoolP384r1",
        16,
        0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53,
        0x7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826,
        0x4A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11,
        0x1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E,
        0x8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315,
        0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565,
        1,
    ),
    "brainpoolP512r1": Curve(
        "brainpoolP512r1",
        17,
        0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3,
        0x7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA,
        0x3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723,
        0x81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822,
        0x7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892,
        0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069,
        1,
    ),
}
BY_PARAM_ID = {c.param_id: c for c in CURVES.values()}
_CRYPTO: dict[str, Callable[[], ec.EllipticCurve]] = {
    "secp224r1": ec.SECP224R1, "secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1, "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1, "brainpoolP512r1": ec.BrainpoolP512R1,
}  # fmt: skip
_OIDS = {
    "1.3.132.0.33": "secp224r1", "1.2.840.10045.3.1.7": "secp256r1", "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1", "1.3.36.3.3.2.8.1.1.5": "brainpoolP224r1",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.9": "brainpoolP320r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
}  # fmt: skip


def curve_of_params(params: Any) -> Curve:
    """The curve of an ECParameters value (named, or explicit and equal to a standard one)."""
    p = keys.ECDomainParameters.load(params) if isinstance(params, bytes) else params
    if p.name == "named":
        name = _OIDS.get(p.chosen.dotted)
        if name is None:
            raise ChipError(f"Đường cong {p.chosen.dotted} không hỗ trợ.",
                            f"Curve {p.chosen.dotted} unsupported.")  # fmt: skip
        return CURVES[name]
    if p.name == "specified":
        spec = p.chosen
        prime = spec["field_id"]["parameters"].native
        base = spec["base"].native
        for curve in CURVES.values():
            if curve.p == prime and base[1:] == curve.encode(curve.g)[1:]:
                return curve
    raise ChipError("Tham số đường cong không được hỗ trợ.", "Unsupported curve parameters.")


def public_key(spki: bytes) -> tuple[Curve, tuple[int, int]]:
    """An EC SubjectPublicKeyInfo (as in DG14/DG15) as (curve, point)."""
    info = keys.PublicKeyInfo.load(spki, strict=True)
    if info["algorithm"]["algorithm"].native != "ec":
        raise ChipError("Khóa không phải EC.", "Not an EC key.")
    curve = curve_of_params(info["algorithm"]["parameters"])
    return curve, curve.decode(info["public_key"].contents[1:])  # after the unused-bits byte


def crypto_public_key(curve: Curve, pt: tuple[int, int]) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicNumbers(pt[0], pt[1], curve.crypto_curve()).public_key()
