import WeightKitCore

extension PickleRun {
    /// Executes one opcode: each case is one named step.
    func dispatch(_ opcode: PickleOpcode, _ reader: inout ByteReader) throws(WeightKitError) {
        switch opcode {
        case .proto: try declareProtocol(&reader)
        case .frame: try checkFrame(&reader)
        case .stop: break
        case .mark: try mark()
        case .pop: try popOrMark()
        case .popMark: _ = try popToMark()
        case .dup: try push(try top())

        case .none: try push(.none)
        case .newTrue: try push(.bool(true))
        case .newFalse: try push(.bool(false))
        case .binInt: try push(.int(Int(try reader.readLittleEndian(Int32.self, "BININT"))))
        case .binInt1: try push(.int(Int(try reader.readUInt8("BININT1"))))
        case .binInt2: try push(.int(Int(try reader.readLittleEndian(UInt16.self, "BININT2"))))
        case .long1: try push(integer(fromLittleEndian: try reader.readBytes(Int(try reader.readUInt8("LONG1 length")), for: "LONG1")))
        case .long4: try pushLong4(&reader)
        case .binFloat: try push(.float(Double(bitPattern: try reader.readBigEndian(UInt64.self, "BINFLOAT"))))
        case .int: try push(try decimal(try line(&reader, "INT"), bool: true))
        case .long: try push(try decimal(try line(&reader, "LONG"), bool: false))
        case .float: try pushTextFloat(&reader)

        case .binUnicode: try push(try text(&reader, Int(try reader.readLittleEndian(UInt32.self, "BINUNICODE length"))))
        case .shortBinUnicode: try push(.string(try utf8(&reader, Int(try reader.readUInt8("SHORT_BINUNICODE length")))))
        case .binUnicode8: try push(try text(&reader, try reader.readLength64("BINUNICODE8 length")))
        case .unicode: try push(.string(try PickleText.rawUnicodeEscape(try line(&reader, "UNICODE", latin1: true), at: opcodeOffset)))
        case .binString: try push(.binaryString(try slice(&reader, Int(try reader.readLittleEndian(Int32.self, "BINSTRING length")), "BINSTRING")))
        case .shortBinString: try push(.binaryString(try slice(&reader, Int(try reader.readUInt8("SHORT_BINSTRING length")), "SHORT_BINSTRING")))
        case .string: try pushQuotedString(&reader)
        case .binBytes: try push(.bytes(try slice(&reader, Int(try reader.readLittleEndian(UInt32.self, "BINBYTES length")), "BINBYTES")))
        case .shortBinBytes: try push(.bytes(try slice(&reader, Int(try reader.readUInt8("SHORT_BINBYTES length")), "SHORT_BINBYTES")))
        case .binBytes8, .byteArray8: try push(.bytes(try slice(&reader, try reader.readLength64("BINBYTES8 length"), "BINBYTES8")))

        case .emptyTuple: try push(try tuple([]))
        case .tuple: try push(try tuple(try popToMark()))
        case .tuple1: try pushTuple(of: 1)
        case .tuple2: try pushTuple(of: 2)
        case .tuple3: try pushTuple(of: 3)
        case .emptyList: try push(.list(try keep(PickleList())))
        case .list: try push(.list(try list(try popToMark())))
        case .append: try appendItems([try pop()], to: try top())
        case .appends: try appendItems(try popToMark(), to: try top())
        case .emptyDict: try push(.dict(try keep(PickleDict())))
        case .dict: try pushDict(try popToMark())
        case .setItem: try setItem()
        case .setItems: try setItems(try popToMark(), in: try top())
        case .emptySet: try push(.set(try keep(PickleList())))
        case .addItems: try addItems(try popToMark())
        case .frozenSet: try push(.set(try list(try popToMark())))

        case .put: try remember(try PickleText.index(try line(&reader, "PUT"), at: opcodeOffset))
        case .binPut: try remember(Int(try reader.readUInt8("BINPUT index")))
        case .longBinPut: try remember(Int(try reader.readLittleEndian(UInt32.self, "LONG_BINPUT index")))
        case .memoize: try remember(memo.count)
        case .get: try recall(try PickleText.index(try line(&reader, "GET"), at: opcodeOffset))
        case .binGet: try recall(Int(try reader.readUInt8("BINGET index")))
        case .longBinGet: try recall(Int(try reader.readLittleEndian(UInt32.self, "LONG_BINGET index")))

        case .global: try pushGlobal(&reader)
        case .stackGlobal: try pushStackGlobal()
        case .reduce: try reduce()
        case .newObj: try newObject(withKeywords: false)
        case .newObjEx: try newObject(withKeywords: true)
        case .build: try build()
        case .binPersistentID: try persistentID()

        case .persistentID: throw refused(.unsupported, "text persistent ids (PERSID) are refused")
        case .inst: try refuseInstance(&reader)
        case .obj: throw refused(.unsafe, "OBJ instantiates arbitrary classes; refused, nothing was run")
        case .ext1, .ext2, .ext4: throw refused(.unsafe, "extension registry codes (EXT1/2/4) are refused")
        case .nextBuffer, .readonlyBuffer: throw refused(.unsupported, "out-of-band buffers (protocol 5 NEXT_BUFFER) are not supported")
        }
    }
}
